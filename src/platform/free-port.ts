import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1. For the rare server whose public URL must
 * be known before it listens (Tally's base URL is in its descriptor); everything else uses port 0.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
