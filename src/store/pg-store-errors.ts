import { AppError, isAppError } from '../platform/app-error.js';

// SQLSTATE classes that mean "the server or the connection, not the data": 08 connection
// exception, 53 insufficient resources (too many connections), 57 operator intervention
// (shutdown, cancel), 40 transaction rollback (serialization, deadlock). Retrying can succeed.
const RETRYABLE_CLASSES = ['08', '53', '57', '40'];
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a pg or socket error is about reaching the server rather than about the statement. */
export function isRetryablePgError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error instanceof Error && /Connection terminated|connection timeout/i.test(error.message);
  return NETWORK_CODES.has(code) || RETRYABLE_CLASSES.includes(code.slice(0, 2));
}

/**
 * Wraps a foreign error from a tenant database: `STORE_UNAVAILABLE` (retryable) when the server or
 * connection failed, else `fallback`. An AppError passes unchanged. The cause names the statement
 * or constraint, never a bound value, so no comment reaches a log.
 */
export function toStoreError(error: unknown, message: string, fallback: 'STORE_WRITE_FAILED' | 'STORE_UNAVAILABLE' = 'STORE_WRITE_FAILED'): AppError {
  if (isAppError(error)) return error;
  const cause = valueFreeCause(error);
  if (isRetryablePgError(error)) return new AppError('STORE_UNAVAILABLE', `${message}: the tenant's PostgreSQL server is unavailable`, { cause });
  return new AppError(fallback, message, { cause });
}

/**
 * pg's DatabaseError carries `detail` ("Failing row contains (…)", the row with its comment) and,
 * for data exceptions, the value in its message. The cause kept is the SQLSTATE and the names of
 * the table, column and constraint only.
 */
function valueFreeCause(error: unknown): unknown {
  const fields = error as { code?: unknown; severity?: unknown; table?: string; column?: string; constraint?: string };
  if (typeof fields.code !== 'string' || fields.severity === undefined) return error;
  const where = [fields.table, fields.column, fields.constraint].filter((name) => name !== undefined).join(', ');
  return new Error(`PostgreSQL error ${fields.code}${where === '' ? '' : ` (${where})`}`);
}
