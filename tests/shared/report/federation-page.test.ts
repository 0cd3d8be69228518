// The report page of the committed federation scenario, in Debian's chromium: one panel
// per member, side by side on the shared time axis (the cursor over one member reads
// every member's pods at that minute, as the scenario has them), alerts named by member.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseScenario, type ScenarioData } from '../../../shared/scenario/openmetrics.ts';
import { chromiumAvailable, launchChromium } from '../../helpers/browser.ts';
import { firingOf, runCli } from '../../helpers/cli.ts';

const SCENARIO = 'infra/scenarios/federation-2026-11-10.om';
const MEMBERS = ['twoi2c', 'gesis', 'bids'];

describe.skipIf(!chromiumAvailable())('the report page of a federation in chromium', () => {
  let browser: Browser;
  let file: string;
  let data: ScenarioData;
  let firing: { member?: string; title: string }[];

  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'bw-fed-report-')), 'report.html');
    const r = await runCli(['replay', SCENARIO, '--format', 'jsonl', '--html', file]);
    expect(r.stderr).toContain(`Incident report page: ${file}`);
    firing = firingOf(r.stdout);
    data = parseScenario(await readFile(SCENARIO, 'utf8'), SCENARIO);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => browser?.close());

  it('draws one running-pods panel per member on the shared time axis, and names the alerts by member', async () => {
    const errors: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.uplot');
    const panels = page.locator('#panels section[data-member]');
    expect(await panels.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.member))).toEqual(MEMBERS);
    expect(await panels.locator('h2').allTextContents()).toEqual(MEMBERS.map((m) => `Member ${m}: running pods`));

    // The cursor over the first member's panel, at a minute in the shown range: every member's legend reads its own pods then.
    const range = [
      Number(await page.locator('#range').getAttribute('data-from')),
      Number(await page.locator('#range').getAttribute('data-to')),
    ];
    const at = Math.round((range[0] + (range[1] - range[0]) * 0.6) / 60_000) * 60_000;
    const over = panels.first().locator('.u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + ((at - range[0]) / (range[1] - range[0])) * box.width, box.y + box.height / 2);
    const read = await panels.evaluateAll((els) =>
      els.map((e) => {
        const row = [...e.querySelectorAll('.u-legend .u-series')].find((r) => r.querySelector('.u-label')?.textContent === 'running pods');
        return Number(row!.querySelector('.u-value')!.textContent);
      }),
    );
    const podsAt = (member: string, t: number) => {
      const s = data.series.find((x) => x.metric === 'binderwatch_running_user_pods' && x.labels.member === member)!.samples;
      return s.reduce((best, p) => (Math.abs(p.t - t) < Math.abs(best.t - t) ? p : best)).v;
    };
    // Within a minute of where the mouse landed (a pixel is more than a minute wide).
    MEMBERS.forEach((m, i) => expect([podsAt(m, at - 60_000), podsAt(m, at), podsAt(m, at + 60_000)]).toContain(read[i]));
    expect(new Set(read).size).toBeGreaterThan(1);

    // Each alert of a member names it, on the page's alert lane too.
    const memberAlerts = firing.filter((a) => a.member);
    expect(memberAlerts.length).toBeGreaterThan(0);
    const lane = await page.locator('.lane-name').allTextContents();
    for (const a of memberAlerts) {
      expect(a.title).toContain(a.member);
      expect(lane).toContain(a.title);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
