import { describe, expect, it } from 'vitest';
import { commentText } from './adf-text.js';

describe('commentText', () => {
  it('flattens an ADF document, one line per block, keeping mentions, emoji and markup as text', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Fixed <script>alert(1)</script> ' }, { type: 'mention', attrs: { id: 'x', text: '@Zoë' } }] },
        { type: 'paragraph', content: [{ type: 'emoji', attrs: { shortName: ':tada:', text: '🎉' } }, { type: 'hardBreak' }, { type: 'text', text: 'next' }] },
      ],
    };
    expect(commentText(JSON.stringify(doc))).toBe('Fixed <script>alert(1)</script> @Zoë\n🎉\nnext');
  });

  it('returns v2 plain text, non-ADF JSON and nothing as they are', () => {
    expect(commentText('plain v2 comment')).toBe('plain v2 comment');
    expect(commentText('{"not":"adf"}')).toBe('{"not":"adf"}');
    expect(commentText('{broken')).toBe('{broken');
    expect(commentText(null)).toBe('');
  });
});
