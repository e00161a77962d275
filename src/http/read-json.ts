import type { Context } from 'hono';
import { AppError } from '../platform/app-error.js';

/** Reads a JSON body; a 400 `REQUEST_INVALID` when it is missing or not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new AppError('REQUEST_INVALID', 'The request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AppError('REQUEST_INVALID', 'The request body is not valid JSON', { cause });
  }
}
