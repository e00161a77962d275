import { useState } from 'react';
import type { TallyApi } from '../../api/tally-api.js';
import type { AdminOverview } from '../../api/api-types.js';
import { saveBlob } from '../../report/save-blob.js';
import { AdminActionsSection, type AdminAction } from './admin-actions-section.js';
import { BackupsSection } from './backups-section.js';
import { sizeText } from './overview-texts.js';
import { ReconciliationSection } from './reconciliation-section.js';
import { SyncSection } from './sync-section.js';

/**
 * The overview's sections and the admin's actions on them. One action runs at a time; each says
 * what it did in the polite live region, and a failure in the actions' alert region. The
 * overview is asked again after every action, so a queued re-sync shows its progress.
 */
export function SyncOverview({ api, overview, nowMs, refresh, announce }: { api: TallyApi; overview: AdminOverview; nowMs: number; refresh(): void; announce(message: string): void }) {
  const [busy, setBusy] = useState<AdminAction | 'backup' | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();

  const run = async (action: AdminAction | 'backup', work: () => Promise<string>) => {
    if (busy) return;
    setBusy(action);
    setFailure(undefined);
    try {
      announce(await work());
      refresh();
    } catch (error) {
      setFailure(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <SyncSection overview={overview} nowMs={nowMs} />
      <ReconciliationSection findings={overview.reconciliation} />
      <AdminActionsSection
        busy={busy}
        failure={failure}
        onResync={(range) =>
          void run(range ? 'resync-range' : 'resync-all', async () => {
            await api.resync(range);
            return range ? `Re-sync of ${range.from} to ${range.to} queued.` : 'Re-sync of everything queued: the full sync starts again.';
          })
        }
        onReconcile={() =>
          void run('reconcile', async () => {
            await api.reconcile();
            return 'Reconciliation queued: its findings show here when it has run.';
          })
        }
        onDataStatement={() =>
          void run('data-statement', async () => {
            const file = await api.dataStatement();
            saveBlob(document, file.blob, file.filename);
            return `Downloaded ${file.filename}.`;
          })
        }
      />
      <BackupsSection
        backups={overview.backups}
        busy={busy === 'backup'}
        onCreate={() =>
          void run('backup', async () => {
            const backup = await api.createBackup();
            return `Backup created (${sizeText(backup.sizeBytes)}).`;
          })
        }
      />
    </>
  );
}
