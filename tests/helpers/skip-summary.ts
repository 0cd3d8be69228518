// A vitest reporter that ends the run with one line: which test files skipped suites
// for a missing tool, and the command that installs each (noted by tests/helpers/stack.ts
// while the files were collected). Silent when nothing was missing.
import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import type { MissingTools } from './stack.ts';

/** The summary line, or undefined when no file noted a missing tool. */
export function skipSummary(notes: { file: string; missingTools: MissingTools[] }[]): string | undefined {
  const byInstall = new Map<string, { missing: Set<string>; files: string[] }>();
  for (const { file, missingTools } of notes) {
    for (const { missing, install } of missingTools) {
      const group = byInstall.get(install) ?? { missing: new Set<string>(), files: [] };
      for (const m of missing) group.missing.add(m);
      if (!group.files.includes(file)) group.files.push(file);
      byInstall.set(install, group);
    }
  }
  if (!byInstall.size) return undefined;
  const parts = [...byInstall].map(
    ([install, g]) => `${[...g.files].sort().join(', ')} (no ${[...g.missing].sort().join(', ')}: \`${install}\`)`,
  );
  return `Skipped for missing tools: ${parts.join('; ')}`;
}

export default class SkipSummary implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const root = this.vitest?.config.root ?? process.cwd();
    const notes = modules.flatMap((m) => {
      const missingTools = m.meta().missingTools;
      return missingTools?.length ? [{ file: relative(root, m.moduleId), missingTools }] : [];
    });
    const line = skipSummary(notes);
    if (line) (this.vitest?.logger ?? console).log(line);
  }
}
