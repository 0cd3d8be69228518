// Debian's chromium driven by playwright-core: pages a person looks at are tested in a
// real browser, never a downloaded one. Without chromium the suite is skipped with one
// line locally; in CI (CI=true) a missing chromium fails the suite.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install the Debian package chromium (infra/install-stack.sh)`);
  console.warn(`skipping browser tests: ${CHROMIUM} not found (sudo bash infra/install-stack.sh installs it)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
