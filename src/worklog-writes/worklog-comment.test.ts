import { describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { commentToAdf } from './worklog-comment.js';

describe('commentToAdf', () => {
  it("writes one paragraph per line, an empty line an empty paragraph, like the simulator's model of Jira's editor", () => {
    const text = 'Fixed the login\n\nand the <b>tests</b> — ünïcode';
    expect(commentToAdf(text)).toEqual(textToAdf(text));
    expect(commentToAdf('a\r\nb')).toEqual(textToAdf('a\nb'));
  });

  it('sends no comment for blank text', () => {
    expect(commentToAdf('')).toBeUndefined();
    expect(commentToAdf(' \n ')).toBeUndefined();
  });
});
