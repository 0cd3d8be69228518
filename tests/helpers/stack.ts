// Integration suites use real servers from Debian (prometheus, jupyterhub). On a
// machine without them the suite is skipped and says why; in CI (CI=true), where
// .ci/run installs them, a missing binary is an error, never a silent skip.
import { execFileSync } from 'node:child_process';

function onPath(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when every binary is there; false (with a note) to skip; throws in CI. */
export function stackAvailable(...binaries: string[]): boolean {
  const missing = binaries.filter((b) => !onPath(b));
  if (!missing.length) return true;
  const message = `missing ${missing.join(', ')}: install with \`sudo bash infra/install-stack.sh\``;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}
