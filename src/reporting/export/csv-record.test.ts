import { describe, expect, it } from 'vitest';
import { formatCsvField, formatCsvRecord, neutraliseFormula } from './csv-record.js';
import { parseCsv } from './export-test-support.js';

describe('CSV records', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tcmd', '\rcmd'])('prefixes a quote to text starting like a formula: %j', (text) => {
    expect(neutraliseFormula(text)).toBe(`'${text}`);
  });

  it('leaves other text alone, including a formula sign later in the text', () => {
    expect(neutraliseFormula('a=b')).toBe('a=b');
    expect(neutraliseFormula(' =1')).toBe(' =1');
    expect(neutraliseFormula('')).toBe('');
  });

  it('writes numbers as they are, even negative ones', () => {
    expect(formatCsvField(-5)).toBe('-5');
    expect(formatCsvField(1.5)).toBe('1.5');
    expect(formatCsvField(null)).toBe('');
  });

  it('quotes fields with a comma, quote, CR or LF and doubles the quotes', () => {
    expect(formatCsvRecord(['a,b', 'say "hi"', 'line\r\nnext', 'lf\nonly', 'plain'])).toBe(
      '"a,b","say ""hi""","line\r\nnext","lf\nonly",plain\r\n',
    );
  });

  it('round-trips through an RFC 4180 reader', () => {
    const fields = ['a,b', 'say "hi"', 'line\r\nnext', '', 'Grüße 👋', '<script>alert(1)</script>'];
    expect(parseCsv(formatCsvRecord(fields))).toEqual([fields]);
  });

  it('quotes a guarded field that contains a CR', () => {
    expect(formatCsvField('\r=cmd')).toBe('"\'\r=cmd"');
  });
});
