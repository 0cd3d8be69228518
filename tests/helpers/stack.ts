// Integration suites use real servers from Debian (prometheus, jupyterhub, chromium). On
// a machine without them a suite is skipped, and the run ends with one line naming the
// skipped suites and the command that installs what they need (tests/helpers/skip-summary.ts);
// in CI (CI=true), where .ci/run installs them, a missing binary is an error, never a skip.
import { execFileSync } from 'node:child_process';
import { TestRunner } from 'vitest';

export const INSTALL_STACK = 'bash infra/install-stack.sh';
/** Terraform is not in Debian's archive. */
export const TERRAFORM_INSTALL = "HashiCorp's terraform package (not in Debian's archive)";

/** Why a test file skipped suites: what was missing and the command that installs it. */
export interface MissingTools {
  missing: string[];
  install: string;
}

declare module 'vitest' {
  interface TaskMeta {
    /** Set while the file is collected; read by the skip summary. */
    missingTools?: MissingTools[];
  }
}

function onPath(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Notes on the test file being collected that some of its suites skip for want of
 * `missing`; throws in CI. Call it where the suite is declared (collection time).
 */
export function skippingFor(missing: string[], install: string): void {
  const message = `missing ${missing.join(', ')}: install with \`${install}\``;
  if (process.env.CI) throw new Error(message);
  const file = TestRunner.getCurrentSuite()?.file;
  if (!file) throw new Error(`skippingFor(${missing.join(', ')}) outside a test file's collection`);
  const notes = (file.meta.missingTools ??= []);
  const same = notes.find((n) => n.install === install);
  if (same) same.missing = [...new Set([...same.missing, ...missing])];
  else notes.push({ missing: [...missing], install });
}

/** True when every binary is on PATH; false (noted for the run's summary) to skip; throws in CI. */
export function stackAvailable(...binaries: string[]): boolean {
  const missing = binaries.filter((b) => !onPath(b));
  if (!missing.length) return true;
  skippingFor(missing, INSTALL_STACK);
  return false;
}
