import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api';
import { Field } from '../components/Field';
import { Notice } from '../components/Notice';
import { setToken } from '../session';

export function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string | undefined }) {
  const [token, setTokenValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError('Paste an admin token.');
    setBusy(true);
    setError(undefined);
    try {
      // Any admin endpoint proves the token: info is the cheapest.
      await call('/bodhi/v1/info', { token: value });
      setToken(value);
      onSignedIn();
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 403 ? 'This token works, but it is not an admin token. Sign in with a token that has the admin scope.' : e.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} noValidate>
        <h1>
          Bodhi <span>Gateway</span>
        </h1>
        <p className="muted">Sign in with an admin token. It is kept in this browser tab only and forgotten when you close it.</p>
        {notice && <Notice kind="info">{notice}</Notice>}
        <Field
          label="Admin token"
          error={error}
          hint={
            <>
              Create one with <code>bodhi tokens create --name admin --scope admin</code>.
            </>
          }
        >
          {(props) => (
            <input {...props} type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setTokenValue(e.target.value)} autoFocus />
          )}
        </Field>
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
