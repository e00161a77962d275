import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line: tokens, secrets and worklog comments. pino's
 * redaction works on paths, so each key is listed at the top level and one and two levels deep.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'jwt',
  'token',
  'accessToken',
  'apiToken',
  'password',
  'secret',
  'sharedSecret',
  'secretKey',
  'comment',
  'cookie',
];

/** The redaction paths derived from {@link SECRET_KEYS}; exported for the test that proves them. */
export const redactedPaths: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
]);

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to scan what was written. */
  destination?: DestinationStream;
}

/**
 * pino's error serializer without the objects some libraries hang on their errors: pg and pg-boss
 * attach the whole `client` (its connection parameters, socket state and type tables, kilobytes
 * per line) — nesting deeper than the redaction paths reach, so nothing in it belongs in a log.
 */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.client;
  return serialized;
}

/**
 * Creates the process logger: JSON lines, secrets and comments replaced by "[redacted]".
 * URL query strings are the other leak (`?jwt=`): callers log paths through {@link redactUrl}.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...redactedPaths], censor: '[redacted]' },
      serializers: { err: serializeError },
      base: undefined,
    },
    options.destination,
  );
}

/** Removes the values of token-bearing query parameters from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:jwt|token|access_token|signature|key)=)[^&#]*/gi, '$1[redacted]');
}
