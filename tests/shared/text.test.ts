import { describe, expect, it } from 'vitest';
import { fitText } from '../../shared/text.ts';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

describe('fitText', () => {
  it('leaves text that fits alone, escaped', () => {
    expect(fitText('a & b', 9, '…', escapeHtml)).toBe('a &amp; b');
    expect(fitText('a & b', 8, '…', escapeHtml)).toBe('a &amp;…');
  });

  it('cuts between graphemes: a family emoji or an accent stays whole or goes whole', () => {
    const family = '👩‍👩‍👧';
    expect(fitText(`ab${family}cd`, 8, '…')).toBe('ab…');
    expect(fitText(`ab${family}cd`, 11, '…')).toBe(`ab${family}…`);
    expect(fitText('xe\u0301y', 3, '…')).toBe('x…');
  });

  it('drops a grapheme longer than the segmenter looks past the cut instead of splitting it', () => {
    const zalgo = 'e' + '\u0301'.repeat(200);
    expect(fitText(`ok ${zalgo} tail`, 100, '…')).toBe('ok …');
  });

  it('cuts escaped text without splitting an entity, and never past the limit', () => {
    for (let max = 1; max < 40; max++) {
      const out = fitText('&'.repeat(30), max, '…', escapeHtml);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.replace(/&amp;/g, '')).toMatch(/^…?$/);
    }
  });

  it('gives as much of the note as fits when nothing else does', () => {
    expect(fitText('long text', 3, '… (truncated)')).toBe('… (');
  });
});
