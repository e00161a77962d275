import { parentPort } from 'node:worker_threads';
import { isAppError } from '../../platform/app-error.js';
import { decodeWorklogListBytes } from '../worklog-list-decoder.js';
import type { ParseReply, ParseRequest } from './parse-messages.js';

/*
 * A parse worker: decodes `/worklog/list` answers sent by the pool. Errors travel back as code,
 * message and details only (messages name fields, never values), so nothing of a comment can leak
 * through them.
 */
if (!parentPort) throw new Error('worklog-parse-worker runs only as a worker thread');
const port = parentPort;

port.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id: request.id, ok: true, worklogs: decodeWorklogListBytes(request.bytes) };
  } catch (error) {
    reply = isAppError(error, 'JIRA_RESPONSE_INVALID')
      ? { id: request.id, ok: false, message: error.message, details: error.details }
      : { id: request.id, ok: false, message: 'Decoding a worklog list failed unexpectedly', details: [] };
  }
  port.postMessage(reply);
});
