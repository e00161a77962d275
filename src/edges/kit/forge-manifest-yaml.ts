/**
 * A small, deterministic YAML writer for plain data (objects, arrays, strings, numbers,
 * booleans): enough for a Forge manifest, with no dependency. Strings that YAML could read as
 * anything but the same string are written as JSON strings, which YAML 1.2 reads verbatim.
 * Shared by the Jira and the Bitbucket Forge edges, whose checked-in manifests are its output.
 */

/** A value {@link renderYaml} can write. */
export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

// A plain scalar that every YAML 1.1/1.2 reader reads back as the same string: starts with a
// letter, digit, `_` or `/`, no `: ` or ` #`, no trailing `:` or space, and not a boolean, null
// or number word.
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./:@+ -]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~|[-+]?(\.inf|\.nan|[0-9][0-9_.:eE+-]*|0x[0-9a-fA-F]+|0o[0-7]+))$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`renderYaml: ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (PLAIN.test(value) && !/: | #|[: ]$/.test(value) && !RESERVED.test(value)) return value;
  return JSON.stringify(value);
}

function isEmpty(value: YamlValue): boolean {
  return typeof value === 'object' && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
}

function entries(value: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(value).filter((entry): entry is [string, YamlValue] => entry[1] !== undefined);
}

function lines(value: YamlValue, indent: string): string[] {
  if (typeof value !== 'object') return [`${indent}${scalar(value)}`];
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as readonly YamlValue[]) {
      if (typeof item !== 'object' || isEmpty(item)) {
        out.push(`${indent}- ${typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
        continue;
      }
      // The first line of a nested block goes after the dash; the rest keep its indentation.
      const nested = lines(item, `${indent}  `);
      out.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
    }
    return out;
  }
  for (const [key, child] of entries(value as { readonly [key: string]: YamlValue | undefined })) {
    const name = scalar(key);
    if (typeof child !== 'object') out.push(`${indent}${name}: ${scalar(child)}`);
    else if (isEmpty(child)) out.push(`${indent}${name}: ${Array.isArray(child) ? '[]' : '{}'}`);
    else out.push(`${indent}${name}:`, ...lines(child, `${indent}  `));
  }
  return out;
}

/**
 * Writes `value` (an object at the top) as block-style YAML, two-space indented, keys in
 * insertion order, `undefined` properties left out, ending in one newline. `headerComment`
 * lines become `# …` lines above it. Pure and deterministic: the same input gives the same bytes.
 */
export function renderYaml(value: { readonly [key: string]: YamlValue | undefined }, headerComment: readonly string[] = []): string {
  const header = headerComment.map((line) => (line ? `# ${line}` : '#'));
  return [...header, ...lines(value, '')].join('\n') + '\n';
}
