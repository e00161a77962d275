import type { BackupInfo } from '../../api/api-types.js';
import { instantText, sizeText } from './overview-texts.js';

/** The site's backups, newest first, with their times and sizes, and "Create backup". */
export function BackupsSection({ backups, busy, onCreate }: { backups: readonly BackupInfo[]; busy: boolean; onCreate(): void }) {
  const newestFirst = [...backups].sort((a, b) => b.createdAtMs - a.createdAtMs);
  return (
    <section className="admin-section admin-card" aria-labelledby="admin-backups-heading" data-testid="admin-backups">
      <h2 id="admin-backups-heading">Backups</h2>
      {newestFirst.length === 0 ? (
        <p data-testid="admin-backups-empty">No backup of this site yet.</p>
      ) : (
        <table className="admin-table" aria-labelledby="admin-backups-heading">
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((backup) => (
              <tr key={backup.id} data-testid="admin-backup" data-backup-id={backup.id}>
                <td>
                  <time dateTime={new Date(backup.createdAtMs).toISOString()}>{instantText(backup.createdAtMs)}</time>
                </td>
                <td className="num" data-bytes={backup.sizeBytes}>
                  {sizeText(backup.sizeBytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div>
        <button type="button" className="button" data-testid="admin-create-backup" aria-disabled={busy || undefined} onClick={() => !busy && onCreate()}>
          {busy ? 'Creating backup…' : 'Create backup'}
        </button>
      </div>
    </section>
  );
}
