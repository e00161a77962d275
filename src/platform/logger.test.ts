import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('logger', () => {
  it('never writes secrets, tokens or worklog comments', () => {
    const { lines, logger } = capture();
    const secret = 'shh-shared-secret-123';
    logger.info(
      {
        sharedSecret: secret,
        headers: { authorization: `JWT ${secret}` },
        tenant: { sharedSecret: secret, install: { token: secret } },
        worklog: { comment: 'my salary is 100k' },
        jwt: secret,
      },
      'lifecycle event',
    );
    const output = lines.join('');
    expect(output).toContain('lifecycle event');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('salary');
    expect(output).toContain('[redacted]');
  });

  it('leaves out the database client a pg error carries, and keeps the error itself', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      client: { connectionParameters: { user: 'tally', database: 'tally_control', host: 'db.internal' }, processID: 4242 },
    });
    logger.error({ err: error }, 'pg-boss error');
    const line = JSON.parse(lines.join('')) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ message: 'terminating connection due to administrator command', code: '57P01' });
    expect(line.err.client).toBeUndefined();
    expect(lines.join('')).not.toContain('db.internal');
  });

  it('strips token query parameters from URLs', () => {
    expect(redactUrl('/page?xdm_e=x&jwt=eyJhbGciOi.abc.def&lic=none')).toBe('/page?xdm_e=x&jwt=[redacted]&lic=none');
    expect(redactUrl('/plain?x=1')).toBe('/plain?x=1');
    // The site edge's sign-in link carries its key in the query.
    expect(redactUrl('/site/access?key=2wa-Hq5DEaqMFBiVWUEP8Tmnf')).toBe('/site/access?key=[redacted]');
  });
});
