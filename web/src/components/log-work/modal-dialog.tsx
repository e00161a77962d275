import { useCallback, useId, type ReactNode } from 'react';

/**
 * A modal `<dialog>`: the browser keeps the focus inside it and makes the rest of the page inert,
 * and Escape asks to dismiss it (`cancel`), which the owner decides. It opens in its ref, before
 * any effect of its content runs, so the content can move the focus into it on mount; the element
 * marked `data-autofocus` takes the focus when it opens.
 */
export function ModalDialog({
  title,
  testId,
  alert = false,
  describedBy,
  onDismiss,
  children,
}: {
  title: string;
  testId: string;
  /** A question that needs an answer (a delete): `alertdialog`. */
  alert?: boolean;
  describedBy?: string;
  onDismiss(): void;
  children: ReactNode;
}) {
  const titleId = useId();
  const open = useCallback((dialog: HTMLDialogElement | null) => {
    if (!dialog || dialog.open) return;
    dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, []);
  return (
    <dialog
      ref={open}
      className="log-work-dialog"
      role={alert ? 'alertdialog' : undefined}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onDismiss();
      }}
    >
      <h2 id={titleId} className="log-work-dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
