import { parseArgs } from 'node:util';

/** `--store postgres`: instances, sites and worklogs per site when no flag says otherwise. */
export const MULTI_INSTANCE_DEFAULTS = { instances: 1, sites: 6, worklogs: 20_000 };

/**
 * Takes the demo's scale flags (`--store`, `--instances`, `--sites`) out of `argv`; the rest are
 * the simulator's. Throws an Error that says what is wrong.
 */
export function parseScaleArgs(argv: string[]): { store: 'sqlite' | 'postgres'; instances: number; sites: number; rest: string[] } {
  const { values, tokens } = parseArgs({ args: argv, options: { store: { type: 'string' }, instances: { type: 'string' }, sites: { type: 'string' } }, strict: false, tokens: true });
  const scaleFlags = new Set(['store', 'instances', 'sites']);
  const taken = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !scaleFlags.has(token.name)) continue;
    taken.add(token.index);
    if (token.inlineValue === false) taken.add(token.index + 1);
  }
  const store = values.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store must be sqlite or postgres, got "${String(store)}"`);
  const count = (name: 'instances' | 'sites', fallback: number, max: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got "${String(raw)}"`);
    return value;
  };
  const instances = count('instances', MULTI_INSTANCE_DEFAULTS.instances, 8);
  const sites = count('sites', MULTI_INSTANCE_DEFAULTS.sites, 50);
  if (store === 'sqlite' && (values.instances !== undefined || values.sites !== undefined)) {
    throw new Error('--instances and --sites need --store postgres: instances share their work only through PostgreSQL');
  }
  return { store, instances, sites, rest: argv.filter((_, i) => !taken.has(i)) };
}
