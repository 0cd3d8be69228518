// Writes the README's picture of the public status page (docs/images/status-2018.png): the
// 2018 night's replay, as `binderwatch replay --status-html` makes it, in Debian's chromium
// at 1366×768. Run by hand (`npm run screenshot:status`); tests never write tracked files.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { main } from '../shared/cli/main.ts';
import { launchChromium } from '../tests/helpers/browser.ts';

const OUT = 'docs/images/status-2018.png';
const html = join(await mkdtemp(join(tmpdir(), 'bw-status-shot-')), 'status.html');
const sink = new PassThrough();
sink.resume();
const code = await main(['replay', '--status-html', html], { stdout: sink, stderr: process.stderr, isTTY: false, env: process.env });
if (code !== 0) throw new Error(`replay exited ${code}`);
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme: 'light', deviceScaleFactor: 1 });
await page.goto(pathToFileURL(html).href);
await page.screenshot({ path: OUT, fullPage: false });
await browser.close();
process.stdout.write(`${OUT}\n`);
