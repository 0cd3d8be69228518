// Debian's chromium driven by playwright-core: pages a person looks at are tested in a
// real browser, never a downloaded one (skipped with a note when absent; CI fails).
import { chromium, type Browser } from 'playwright-core';
import { stackAvailable } from './stack.ts';

export const chromiumAvailable = () => stackAvailable('chromium');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
