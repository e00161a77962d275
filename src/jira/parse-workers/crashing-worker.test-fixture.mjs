// A parse worker that dies on its first message: the pool's crash handling is tested with it.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', () => process.exit(3));
