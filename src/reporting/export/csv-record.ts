/** One CSV field: text (guarded against formula injection, then quoted as needed), a number, or empty. */
export type CsvValue = string | number | null;

/** UTF-8 byte order mark: without it Excel reads a CSV as the machine's ANSI code page. */
export const CSV_BOM = '\uFEFF';

// OWASP "CSV Injection": a cell starting with one of these is read as a formula by Excel,
// LibreOffice or Google Sheets. https://owasp.org/www-community/attacks/CSV_Injection
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);
// RFC 4180 §2.6: fields containing a comma, a double quote or a line break are quoted.
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Prefixes `'` to text a spreadsheet would otherwise evaluate as a formula. The quote is what
 * Excel itself shows for "text that looks like a formula"; the rest of the text is unchanged.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_TRIGGERS.has(text.charAt(0)) ? `'${text}` : text;
}

/** One field as RFC 4180 text. Numbers are written as they are and never guarded. */
export function formatCsvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = neutraliseFormula(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated (RFC 4180 §2.1). */
export function formatCsvRecord(values: readonly CsvValue[]): string {
  return `${values.map(formatCsvField).join(',')}\r\n`;
}
