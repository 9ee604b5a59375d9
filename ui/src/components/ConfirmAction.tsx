// A destructive row action in two steps: the button, then "Confirm <verb>" / "Keep".
// Which row is asking for confirmation is the page's state (one at a time).

interface Props {
  /** e.g. "Delete", "Revoke", "Remove". */
  verb: string;
  /** What it acts on, for the button's accessible name ("Revoke ci-bot"). */
  name: string;
  confirming: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onConfirm: () => void;
}

export function ConfirmAction({ verb, name, confirming, onAsk, onCancel, onConfirm }: Props) {
  if (!confirming) {
    return (
      <button type="button" className="button button--small button--quiet" onClick={onAsk} aria-label={`${verb} ${name}`}>
        {verb}
      </button>
    );
  }
  return (
    <>
      <button type="button" className="button button--small button--danger" onClick={onConfirm}>
        Confirm {verb.toLowerCase()}
      </button>
      <button type="button" className="button button--small button--quiet" onClick={onCancel}>
        Keep
      </button>
    </>
  );
}
