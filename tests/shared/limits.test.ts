import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatBytes, LIMITS } from '../../shared/limits.ts';

describe('docs/limits.md', () => {
  it('lists every limit with its current value', () => {
    const doc = readFileSync('docs/limits.md', 'utf8');
    for (const [name, value] of Object.entries(LIMITS)) {
      const shown = name.endsWith('Bytes') ? formatBytes(value) : name.endsWith('Ms') ? `${value} ms` : String(value);
      expect(doc, name).toContain(`| \`${name}\` | ${shown} |`);
    }
  });
});
