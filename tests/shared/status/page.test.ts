// The public status page of the 2018 night, made by `binderwatch replay --status-html
// --status-json` and opened from disk in Debian's chromium: no network, the counts the
// JSON holds, light and dark, readable at 1366×768. It also makes the README's picture of the
// page (into .tmp/images; `npm run images` writes docs/images/status-2018.png).
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { StatusSummary } from '../../../shared/status/data.ts';
import { chromiumAvailable, launchChromium } from '../../helpers/browser.ts';
import { runCli } from '../../helpers/cli.ts';
import { imagePath } from '../../helpers/images.ts';

describe.skipIf(!chromiumAvailable())('public status page in chromium', () => {
  let browser: Browser;
  let html: string;
  let summary: StatusSummary;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-status-'));
    html = join(dir, 'status.html');
    const json = join(dir, 'status.json');
    const r = await runCli(['replay', '--status-html', html, '--status-json', json]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Status page: ${html}`);
    summary = JSON.parse(await readFile(json, 'utf8')) as StatusSummary;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => browser?.close());

  async function open(colorScheme: 'light' | 'dark'): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme, deviceScaleFactor: 1 });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href);
    return { page, requests, errors };
  }

  it('shows the night as the JSON has it: an outage, its incidents, the SLO burn', async () => {
    expect(summary.status.indicator).toBe('major');
    expect(summary.components.map((c) => c.status)).toEqual(['major_outage']);
    expect(summary.components[0].slo.launch_success.budget_remaining).toBeLessThan(0);
    const { page, requests, errors } = await open('light');
    expect(await page.locator('#overall').textContent()).toBe('Major outage');
    expect(await page.locator('section.hub').count()).toBe(summary.components.length);
    expect(await page.locator('.hub .state').first().textContent()).toBe('Outage');
    expect(await page.locator('.bar').count()).toBe(90);
    const daysWithData = summary.components[0].days.filter((d) => d.success !== null).length;
    expect(await page.locator('.bar:not(.nodata)').count()).toBe(daysWithData);
    expect(await page.locator('#incidents tr.incident').count()).toBe(summary.incidents.length);
    expect(summary.incidents.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.numbers').first().textContent()).toContain('error budget left');
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    // The first screen, light, as a reader at 1366×768 sees it.
    const picture = imagePath('status-2018.png');
    await page.screenshot({ path: picture, fullPage: false });
    expect((await stat(picture)).size).toBeGreaterThan(20_000);
    await page.close();
  });

  it('reads at 1366×768 in light and dark: no sideways scroll, text at least 12 px, colours follow the scheme', async () => {
    const backgrounds: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { page, requests } = await open(scheme);
      const m = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        smallest: Math.min(
          ...[...document.querySelectorAll('h1, h3, p, td, th, .state, .numbers div, .axis span')].map((e) =>
            parseFloat(getComputedStyle(e).fontSize),
          ),
        ),
        background: getComputedStyle(document.body).backgroundColor,
        hubHeight: document.querySelector('section.hub')!.getBoundingClientRect().bottom,
      }));
      expect(m.scrollWidth).toBeLessThanOrEqual(1366);
      expect(m.smallest).toBeGreaterThanOrEqual(12);
      expect(m.hubHeight).toBeLessThanOrEqual(768); // the hub's state, bars and budget are on the first screen
      backgrounds.push(m.background);
      expect(requests).toHaveLength(1);
      await page.close();
    }
    expect(backgrounds).toEqual(['rgb(255, 255, 255)', 'rgb(13, 17, 23)']);
  });
});
