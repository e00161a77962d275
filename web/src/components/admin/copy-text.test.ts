import { describe, expect, it } from 'vitest';
import { copyText } from './copy-text.js';

describe('copyText', () => {
  it('writes the text to the clipboard when it may', async () => {
    const written: string[] = [];
    let selected = 0;
    const outcome = await copyText('ABCD-EFGH-JKMN-PQRS', { clipboard: { writeText: async (text) => void written.push(text) }, selectText: () => selected++ });
    expect(outcome).toBe('copied');
    expect(written).toEqual(['ABCD-EFGH-JKMN-PQRS']);
    expect(selected).toBe(0);
  });

  it('selects the text when the clipboard refuses or is missing', async () => {
    let selected = 0;
    const refusing = { writeText: async () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')) };
    expect(await copyText('ABCD', { clipboard: refusing, selectText: () => selected++ })).toBe('selected');
    expect(await copyText('ABCD', { clipboard: undefined, selectText: () => selected++ })).toBe('selected');
    expect(selected).toBe(2);
  });
});
