/**
 * A strict reader of Prometheus' text exposition format 0.0.4, written from the format's
 * documentation (prometheus.io/docs/instrumenting/exposition_formats, "Text format details") and
 * sharing no code with src/platform/metrics.ts, so tests compare Tally's output with an
 * independent reading. It throws on anything the documentation does not allow, and checks the
 * rules that span lines: one TYPE and one HELP per family, TYPE before the family's samples, a
 * family's samples together, histogram buckets with ascending `le`, cumulative counts, a `+Inf`
 * bucket equal to `_count`, and a `_sum`.
 */

export interface ParsedSample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for a histogram). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's ParseFloat forms Prometheus accepts, plus its Inf/NaN spellings. */
const FLOAT = /^[+-]?(?:Inf|inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

function parseFloatGo(text: string, line: string): number {
  if (!FLOAT.test(text)) throw new Error(`not a float: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** Reads `{name="value",…}` from `text` at `start` (the `{`); returns labels and the index after `}`. */
function readLabels(text: string, start: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const fail = (why: string) => new Error(`${why} at ${i} in ${JSON.stringify(line)}`);
  while (text[i] !== '}') {
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) throw fail('label name expected');
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw fail('=" expected');
    i += 2;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw fail('unterminated label value');
      if (ch === '"') break;
      if (ch === '\n') throw fail('raw line feed in label value');
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw fail('bad escape');
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    i++;
    if (name in labels) throw fail(`label ${name} repeated`);
    labels[name] = value;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw fail(', or } expected');
  }
  return { labels, end: i + 1 };
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, ch: string) => (ch === 'n' ? '\n' : '\\'));
}

/** The family a sample belongs to: a histogram's `_bucket`/`_sum`/`_count` belong to their base name. */
function familyNameOf(sampleName: string, families: Map<string, ParsedFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return sampleName;
}

function checkHistogram(family: ParsedFamily): void {
  const groups = new Map<string, ParsedSample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (!count || !sum || buckets.length === 0) throw new Error(`histogram ${family.name} ${key}: buckets, _sum and _count required`);
    let lastLe = -Infinity;
    let lastCount = 0;
    for (const bucket of buckets) {
      if (bucket.labels['le'] === undefined) throw new Error(`histogram ${family.name}: bucket without le`);
      const le = parseFloatGo(bucket.labels['le'], 'le');
      if (!(le > lastLe)) throw new Error(`histogram ${family.name}: le not ascending`);
      if (bucket.value < lastCount) throw new Error(`histogram ${family.name}: buckets not cumulative`);
      lastLe = le;
      lastCount = bucket.value;
    }
    if (buckets.at(-1)!.labels['le'] !== '+Inf') throw new Error(`histogram ${family.name}: last bucket must be le="+Inf"`);
    if (buckets.at(-1)!.value !== count.value) throw new Error(`histogram ${family.name}: +Inf bucket differs from _count`);
  }
}

/** Parses exposition text into families by name; throws on any violation of the format. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the last line must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string) => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) throw new Error(`samples of ${name} are not together`);
      current = name;
    }
    let family = families.get(name);
    if (!family) families.set(name, (family = { name, help: undefined, type: 'untyped', samples: [] }));
    return family;
  };
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+([^\s]+)(?:\s(.*))?$/.exec(line);
      if (!match) continue; // Any other comment is ignored by the format.
      const [, keyword, name, rest = ''] = match as unknown as [string, string, string, string | undefined];
      if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)![0] !== name) throw new Error(`bad name in ${line}`);
      const family = enter(name);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`second HELP for ${name}`);
        family.help = unescapeHelp(rest);
      } else {
        if (typed.has(name)) throw new Error(`second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw new Error(`unknown type in ${line}`);
        typed.add(name);
        family.type = rest.trim();
      }
      continue;
    }
    const name = METRIC_NAME.exec(line)?.[0];
    if (!name) throw new Error(`metric name expected: ${JSON.stringify(line)}`);
    let index = name.length;
    let labels: Record<string, string> = {};
    if (line[index] === '{') ({ labels, end: index } = readLabels(line, index, line));
    const tokens = line.slice(index).trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(line.slice(index)) || tokens.length < 1 || tokens.length > 2) throw new Error(`value expected: ${JSON.stringify(line)}`);
    if (tokens[1] !== undefined && !/^-?\d+$/.test(tokens[1])) throw new Error(`bad timestamp: ${JSON.stringify(line)}`);
    enter(familyNameOf(name, families)).samples.push({ name, labels, value: parseFloatGo(tokens[0]!, line) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}
