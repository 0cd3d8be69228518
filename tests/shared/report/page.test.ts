// The incident report page of the 2018 night, made by the CLI and opened from disk in
// Debian's chromium: no console errors, no network, every panel and alert there, the
// cursor reading the scenario's own numbers, zoom linked across panels, opening on the
// incident. It also makes the README's screenshot (into .tmp/images; `npm run images`
// refreshes docs/images).
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFactsOf } from '../../../shared/scenario/facts.ts';
import { parseScenario, type ScenarioData } from '../../../shared/scenario/openmetrics.ts';
import { chromiumAvailable, launchChromium } from '../../helpers/browser.ts';
import { firingOf, runCli } from '../../helpers/cli.ts';
import { imagePath } from '../../helpers/images.ts';

const SCENARIO = 'infra/scenarios/mybinder-2018-01-18.om';

describe.skipIf(!chromiumAvailable())('incident report page in chromium', () => {
  let browser: Browser;
  let file: string;
  let firing: { at: string; check: string; key: string; title: string; summary: string }[];
  let data: ScenarioData;
  /** First and last grid minute: the full x range of every chart. */
  let range: [number, number];
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'bw-report-')), 'report.html');
    const r = await runCli(['replay', SCENARIO, '--format', 'jsonl', '--html', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Incident report page: ${file}`);
    firing = firingOf(r.stdout);
    data = parseScenario(await readFile(SCENARIO, 'utf8'), SCENARIO);
    range = [Math.ceil(data.start / 60_000) * 60_000, Math.floor(data.end / 60_000) * 60_000];
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  /** A laptop's screen: the page must read well at 1366×768. */
  async function open(colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme, deviceScaleFactor: 1 });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.uplot');
    return page;
  }

  /** Legend values of the n-th chart, by series label. */
  const legend = (page: Page, n: number) =>
    page.evaluate((n) => {
      const rows = [...document.querySelectorAll('.uplot')[n].querySelectorAll('.u-legend .u-series:not(:first-child)')];
      return Object.fromEntries(rows.map((r) => [r.querySelector('.u-label')!.textContent!, r.querySelector('.u-value')!.textContent!]));
    }, n);

  /** The time range the panels show now, as the page states it beside its zoom-out button. */
  const shown = async (page: Page): Promise<[number, number]> => {
    const el = page.locator('#range');
    return [Number(await el.getAttribute('data-from')), Number(await el.getAttribute('data-to'))];
  };

  /** Screen x of a time in the n-th chart, at the given shown range. */
  async function xOf(page: Page, n: number, ms: number, range: [number, number]): Promise<{ x: number; y: number }> {
    const over = page.locator('.uplot .u-over').nth(n);
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    return { x: box.x + ((ms - range[0]) / (range[1] - range[0])) * box.width, y: box.y + box.height / 2 };
  }

  it('is one self-contained file under 1.5 MB that loads with no network and no errors', async () => {
    const html = await readFile(file, 'utf8');
    expect((await stat(file)).size).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/i);
    const page = await open('light');
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
  });

  it('opens on the incident, every alert span inside with an hour to spare, the whole range one click away', async () => {
    const page = await open('light');
    const [from, to] = await shown(page);
    const firingAt = firing.map((a) => Date.parse(a.at));
    expect(from).toBeLessThanOrEqual(Math.min(...firingAt) - 3_600_000);
    expect(from).toBeGreaterThan(range[0]);
    expect(to).toBeLessThanOrEqual(range[1]);
    expect(to - from).toBeLessThan(0.8 * (range[1] - range[0]));
    expect(await page.locator('#range').textContent()).toMatch(/^Showing .+ PST \(.+ UTC\) → .+ of 2\d(\.\d)? h\)$/);
    await page.locator('#reset-zoom').click();
    expect(await shown(page)).toEqual(range);
    expect(await page.locator('#reset-zoom').isVisible()).toBe(false);
    // Nothing wider than a 1366-pixel laptop screen: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('puts the sick node first and marked, every crash-loop strip the same height on one scale', async () => {
    const page = await open('light');
    const sick = firing.filter((a) => a.check === 'clusterHealth' && a.key.startsWith('node:')).map((a) => a.key.slice(5));
    expect(sick.length).toBeGreaterThan(0);
    const labels = await page.locator('.strip-label').allTextContents();
    expect(labels.slice(0, sick.length)).toEqual(sick.map((n) => `${n} — alerted as a sick node`));
    expect(await page.locator('.strip-label.sick').count()).toBe(sick.length);
    const strips = page.locator('#panels section:nth-of-type(3) .u-over');
    const heights = await strips.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    expect(heights.length).toBeGreaterThan(1);
    expect(new Set(heights).size, String(heights)).toBe(1);
    await page.close();
  });

  it('shows every panel, series, alert span and human marker, reads values under the cursor and links zoom', async () => {
    const page = await open('light');
    // The whole range, so every human marker is on screen (the night began at 02:00 UTC, hours before the alerts).
    await page.locator('#reset-zoom').click();
    const headings = await page.locator('#panels h2').allTextContents();
    expect(headings).toEqual([
      'People arriving and running pods',
      'Nodes in pool ssd-pool',
      'Crash-looping pods per node',
      'Launch probes',
    ]);
    const crashNodes = new Set(data.series.filter((s) => s.metric === 'binderwatch_pod_crashlooping').map((s) => s.labels.node));
    expect(await page.locator('.strip-label').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.node))).toEqual(
      expect.arrayContaining([...crashNodes]),
    );
    // pods panel + one nodes panel + a strip per node + probes
    expect(await page.locator('.uplot').count()).toBe(3 + crashNodes.size);
    expect(Object.keys(await legend(page, 0))).toEqual(['running pods', 'expected (model)', 'band low', 'band high', 'demand /min']);
    expect(Object.keys(await legend(page, 1))).toEqual(['nodes', 'cordoned', 'autoscaler max', 'pending pods']);
    const probeRepos = new Set(
      data.series.filter((s) => s.metric === 'binderwatch_launch_probe_ok').map((s) => s.labels.repo.replace(/^gh\//, '')),
    );
    expect(Object.keys(await legend(page, 2 + crashNodes.size))).toHaveLength(2 * probeRepos.size);

    // One firing region per alert the replay fired, with its summary on hover.
    expect(await page.locator('.alert-region.firing').count()).toBe(firing.length);
    expect(await page.locator('.fact').count()).toBe((await readFactsOf(SCENARIO))!.timeline.length);
    const traffic = firing.find((a) => a.check === 'trafficVsPods')!;
    const region = page.locator(`.alert-region.firing[data-tip*="${traffic.key}"]`);
    await region.hover();
    await expect.poll(() => page.locator('#tip').textContent()).toContain(`${traffic.title}\n${traffic.summary}`);
    // The lane names each alert by its (latest) title, as the email subject and the Slack header do.
    const latestTitle = new Map(firing.map((a) => [`${a.check}/${a.key}`, a.title]));
    expect((await page.locator('.lane-name').allTextContents()).sort()).toEqual([...latestTitle.values()].sort());

    // The cursor near 06:30 PST: the readout names the minute under it (a pixel spans
    // about a minute here), the legend shows that minute's running pods and nodes from
    // the scenario, the model's expectation above them, and the alerts firing then.
    const p = await xOf(page, 0, Date.parse('2018-01-18T14:30:00Z'), range);
    await page.mouse.move(p.x, p.y);
    const readout = (await page.locator('#cursor').textContent())!;
    const [, hh, mm] = /\((\d\d):(\d\d) UTC\)/.exec(readout)!;
    const at = Date.parse(`2018-01-18T${hh}:${mm}:00Z`);
    expect(Math.abs(at - Date.parse('2018-01-18T14:30:00Z'))).toBeLessThanOrEqual(2 * 60_000);
    expect(readout).toContain(`${String(Number(hh) - 8).padStart(2, '0')}:${mm} PST (${hh}:${mm} UTC)`);
    const sample = (metric: string) => data.series.find((s) => s.metric === metric)!.samples.find((s) => s.t === at)!.v;
    const values = await legend(page, 0);
    expect(Number(values['running pods'])).toBe(Math.round(sample('binderwatch_running_user_pods')));
    expect(Number(values['expected (model)'])).toBeGreaterThan(Number(values['band low']));
    expect(Number(values['band low'])).toBeGreaterThan(sample('binderwatch_running_user_pods'));
    expect(readout).toContain(`FIRING ${traffic.title} — ${traffic.summary}`);
    expect(Number((await legend(page, 1)).nodes)).toBe(sample('binderwatch_nodepool_nodes'));

    // Drag-zoom on the pods panel: the nodes panel now spans the same two hours.
    const from = await xOf(page, 0, Date.parse('2018-01-18T12:00:00Z'), range);
    const to = await xOf(page, 0, Date.parse('2018-01-18T14:00:00Z'), range);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#reset-zoom').isVisible()).toBe(true);
    const zoomed = await xOf(page, 1, Date.parse('2018-01-18T13:00:00Z'), [
      Date.parse('2018-01-18T12:00:00Z'),
      Date.parse('2018-01-18T14:00:00Z'),
    ]);
    await page.mouse.move(zoomed.x, zoomed.y);
    expect(await page.locator('#cursor').textContent()).toMatch(/0[45]:\d\d PST \(1[23]:\d\d UTC\)/);
    await page.locator('#reset-zoom').click();
    await page.mouse.move(0, 0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a quiet day too: no alert regions, no timeline rows, no errors', async () => {
    const quiet = join(await mkdtemp(join(tmpdir(), 'bw-report-')), 'quiet.html');
    expect((await runCli(['replay', 'infra/scenarios/normal-day.om', '--format', 'jsonl', '--html', quiet])).stdout).toBe('');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(quiet).href);
    await page.waitForSelector('.uplot');
    expect(await page.locator('.alert-region').count()).toBe(0);
    expect(await page.locator('table.timeline').count()).toBe(0);
    await page.mouse.move(640, 400);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a dark system theme, and makes the README screenshot', async () => {
    const dark = await open('dark');
    expect(await dark.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    await dark.close();
    const page = await open('light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    // The cursor on the levelling-off, so the picture shows what the readout says.
    const p = await xOf(page, 0, Date.parse('2018-01-18T14:30:00Z'), await shown(page));
    await page.mouse.move(p.x, p.y);
    const screenshot = imagePath('report-2018.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(50_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
