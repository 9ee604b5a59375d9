// What list pages share around a destructive row action: which row is asking for
// confirmation, the outcome notice, and the error of the last attempt.
import { useState } from 'react';
import { errorText } from './format';

export function useRowAction(reload: () => void) {
  const [confirming, setConfirming] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [done, setDone] = useState<string>();

  /** Runs `action`; on success closes the confirmation, says `message` and reloads the list. */
  const run = async (action: () => Promise<unknown>, message: string): Promise<boolean> => {
    setActionError(undefined);
    try {
      await action();
    } catch (err) {
      setActionError(errorText(err));
      return false;
    }
    setConfirming(undefined);
    setDone(message);
    reload();
    return true;
  };

  return { confirming, setConfirming, actionError, done, setDone, run };
}
