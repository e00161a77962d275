import { errorCodes, type ErrorCode } from './error-codes.js';

/** Options for {@link AppError}; everything but the code and message is optional. */
export interface AppErrorOptions {
  /** Whether the message may be shown to the client. Defaults to true below 500. */
  expose?: boolean;
  /** Overrides the catalogue's retryable flag, e.g. for a 429 that carries Retry-After. */
  retryable?: boolean;
  /** How long the caller should wait before retrying, when known. */
  retryAfterMs?: number;
  /** The foreign error this one wraps. */
  cause?: unknown;
  /** Structured, secret-free details (e.g. the list of invalid config keys). */
  details?: readonly string[];
  /** Overrides the catalogue's status where one code spans several (`JIRA_WORKLOG_REFUSED`: 400, 403 or 404 by Jira's reason). */
  httpStatus?: number;
}

/**
 * The only error type Tally throws on purpose. Foreign errors are wrapped where they enter
 * (with `cause`); the HTTP edge maps `code` to `{ error: { code, message } }`.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly expose: boolean;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = errorCodes[code];
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? spec.httpStatus;
    this.expose = options.expose ?? this.httpStatus < 500;
    this.retryable = options.retryable ?? spec.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? [];
  }
}

/** True when `value` is an {@link AppError} (optionally with the given code). */
export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}
