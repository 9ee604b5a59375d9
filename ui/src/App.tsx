// The shell: sign-in gate, navigation, and the page for the current path.
import { useEffect, useState } from 'react';
import { onUnauthorized } from './api';
import { ApiModelForm } from './pages/ApiModelForm';
import { ApiModels } from './pages/ApiModels';
import { LocalAliases } from './pages/LocalAliases';
import { Models } from './pages/Models';
import { Playground } from './pages/Playground';
import { Requests } from './pages/Requests';
import { RouterForm } from './pages/RouterForm';
import { Routers } from './pages/Routers';
import { SignIn } from './pages/SignIn';
import { Tokens } from './pages/Tokens';
import { Usage } from './pages/Usage';
import { linkTo, navigate, usePath } from './router';
import { clearToken, getToken } from './session';

const NAV = [
  { path: '/models', label: 'Models' },
  { path: '/api-models', label: 'API Models' },
  { path: '/routers', label: 'Routers' },
  { path: '/local-aliases', label: 'Local Aliases' },
  { path: '/tokens', label: 'Tokens' },
  { path: '/usage', label: 'Usage' },
  { path: '/requests', label: 'Requests' },
  { path: '/playground', label: 'Playground' },
];

function Page({ path }: { path: string }) {
  if (path === '/' || path === '/models') return <Models />;
  if (path === '/api-models') return <ApiModels />;
  if (path === '/api-models/new') return <ApiModelForm />;
  const edit = /^\/api-models\/([^/]+)$/.exec(path);
  if (edit) return <ApiModelForm id={decodeURIComponent(edit[1]!)} />;
  if (path === '/routers') return <Routers />;
  if (path === '/routers/new') return <RouterForm />;
  const editRouter = /^\/routers\/([^/]+)$/.exec(path);
  if (editRouter) return <RouterForm id={decodeURIComponent(editRouter[1]!)} />;
  if (path === '/local-aliases') return <LocalAliases />;
  if (path === '/tokens') return <Tokens />;
  if (path === '/usage') return <Usage />;
  if (path === '/requests') return <Requests />;
  if (path === '/playground') return <Playground />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <a {...linkTo('/models')}>Go to Models</a>.
      </p>
    </section>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => getToken() !== null);
  const [signedOutBecause, setSignedOutBecause] = useState<string>();
  const path = usePath();

  useEffect(
    () =>
      onUnauthorized((message) => {
        clearToken();
        setSignedOutBecause(`You were signed out: ${message}`);
        setSignedIn(false);
      }),
    [],
  );

  const title = NAV.find((n) => path === n.path || path.startsWith(`${n.path}/`))?.label ?? 'Models';
  useEffect(() => {
    document.title = signedIn ? `${title} · Bodhi Gateway` : 'Sign in · Bodhi Gateway';
  }, [title, signedIn]);

  if (!signedIn) {
    return (
      <SignIn
        notice={signedOutBecause}
        onSignedIn={() => {
          setSignedOutBecause(undefined);
          setSignedIn(true);
          if (path === '/') navigate('/models');
        }}
      />
    );
  }

  const active = path === '/' ? '/models' : path;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" {...linkTo('/models')}>
          Bodhi <span>Gateway</span>
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <a {...linkTo(n.path)} aria-current={active === n.path || active.startsWith(`${n.path}/`) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
            <li>
              <a href="/swagger-ui/" target="_blank" rel="noreferrer">
                API docs
              </a>
            </li>
          </ul>
        </nav>
        <button
          type="button"
          className="button button--quiet signout"
          onClick={() => {
            clearToken();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </>
  );
}
