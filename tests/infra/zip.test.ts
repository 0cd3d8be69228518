import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createZip, readZip } from '../../infra/zip.ts';
import { stackAvailable } from '../helpers/stack.ts';

const entries = [
  { name: 'package.json', data: Buffer.from('{"type":"module"}\n') },
  { name: 'index.js', data: Buffer.from('export const x = 1;\n'.repeat(500)) },
  { name: 'chunks/chunk-ÄB.js', data: randomBytes(3000), mode: 0o755 },
  { name: 'empty.txt', data: Buffer.alloc(0) },
];

describe('zip', () => {
  it('reads back what it wrote: names, contents and modes', () => {
    const back = readZip(createZip(entries));
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(e.data.equals(entries[i].data)).toBe(true));
    expect(back[2].mode).toBe(0o755);
    expect(back[0].mode).toBe(0o644);
  });

  it('deflates compressible files and stores incompressible ones', () => {
    const archive = createZip(entries);
    expect(archive.length).toBeLessThan(entries.reduce((n, e) => n + e.data.length, 0));
    // The random chunk is stored (method 0) rather than grown by deflate.
    const at = archive.indexOf(Buffer.from('chunks/chunk-ÄB.js')) - 30;
    expect(archive.readUInt16LE(at + 8)).toBe(0);
  });

  it('writes the same bytes for the same inputs', () => {
    expect(createZip(entries).equals(createZip(entries))).toBe(true);
  });

  it('rejects a corrupted archive and something that is not a zip', () => {
    const archive = createZip(entries);
    const corrupt = Buffer.from(archive);
    corrupt[40 + 'package.json'.length] ^= 0xff; // a byte of the first file's data
    expect(() => readZip(corrupt)).toThrow(/package\.json is corrupt|invalid/);
    expect(() => readZip(Buffer.from('not a zip at all, just text'))).toThrow(/not a zip/);
  });

  const unzip = stackAvailable('unzip');
  it.skipIf(!unzip)('writes archives that Info-ZIP unzip tests and extracts unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-zip-'));
    try {
      writeFileSync(join(dir, 'a.zip'), createZip(entries));
      const test = spawnSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
      expect(test.stdout).toContain('No errors detected');
      expect(spawnSync('unzip', ['-q', join(dir, 'a.zip'), '-d', join(dir, 'out')]).status).toBe(0);
      expect(readFileSync(join(dir, 'out', 'index.js')).equals(entries[1].data)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
