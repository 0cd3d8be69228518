// Every npm package the code, tests, benchmarks or infra import is declared in
// package.json, so a fresh `npm ci` (or a dependency's next release dropping a
// transitive one) cannot break an import that happened to resolve here.
import { readFileSync, readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageName } from '../../infra/package.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DIRS = ['bin', 'bench', 'functions', 'infra', 'shared', 'tests'];
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|import\(\s*'([^'.][^']*)'\s*\)|^import\s+'([^'.][^']*)'/gm;

function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of DIRS) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|js|mjs)$/.test(file)) continue;
      const text = readFileSync(join(ROOT, dir, file), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!isBuiltin(spec) && !found.has(packageName(spec))) found.set(packageName(spec), join(dir, file));
      }
    }
  }
  return found;
}

describe('package.json', () => {
  it('declares every package that is imported', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const declared = { ...manifest.dependencies, ...manifest.devDependencies };
    const imported = importedPackages();
    expect(imported.get('@kubernetes/client-node')).toBeDefined(); // the scan sees imports at all
    const undeclared = [...imported].filter(([name]) => !(name in declared)).map(([name, file]) => `${name} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it('states the real Node floor: zlib.crc32, used by the packager, arrived in 20.15', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node).toBe('>=20.15');
  });
});
