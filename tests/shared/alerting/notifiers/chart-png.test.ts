// The picture in an alert, end to end: charts made by the real replay of the 2018 night
// (runCheck → chart history → notification), rendered to PNG by resvg and decoded again;
// sent inline by email through a real SMTP server and uploaded into the Slack thread
// through the loopback Web API's external upload. A chart that fails to render never
// blocks the alert. The email is also rendered in chromium, the way a mail client shows it.
import { readFileSync } from 'node:fs';
import { imagePath } from '../../../helpers/images.ts';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../../infra/harnesses/smtp.ts';
import type { AlertChart } from '../../../../shared/alerting/chart.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { chartSvg, renderChartPng } from '../../../../shared/alerting/notifiers/chart-png.ts';
import { CHART_CID, emailNotifier } from '../../../../shared/alerting/notifiers/email.ts';
import { memoryThreadStore, slackThreadNotifier, threadId } from '../../../../shared/alerting/notifiers/slack-thread.ts';
import { parseConfig } from '../../../../shared/config/load.ts';
import { jsonLogger } from '../../../../shared/log.ts';
import { replay } from '../../../../shared/replay/replay.ts';
import { parseScenario } from '../../../../shared/scenario/openmetrics.ts';
import { chromiumAvailable, launchChromium } from '../../../helpers/browser.ts';

const FILE = 'infra/scenarios/mybinder-2018-01-18.om';
const TZ = 'America/Los_Angeles';
const TOKEN = 'xoxb-1111-2222-charttesttoken';
const CHANNEL = 'C0123456789';

/** Every notification the 2018 replay sends, as a channel receives it. */
async function notificationsOf2018(drawsCharts = true): Promise<AlertNotification[]> {
  const got: AlertNotification[] = [];
  const config = parseConfig({
    alerting: {
      state: { type: 'memory' },
      routes: [
        { severity: 'critical', channels: ['email'] },
        { severity: 'warning', channels: ['email'] },
      ],
    },
  });
  await replay(parseScenario(readFileSync(FILE, 'utf8'), FILE), config, {
    notifiers: [{ name: 'email', drawsCharts, send: async (n) => void got.push(n) }],
  });
  return got;
}

function decode(png: Buffer): PNG {
  return PNG.sync.read(png);
}

/** Pixels in the plot area (SVG units × 2) near a colour. */
function countNear(img: PNG, rgb: [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let y = 2 * 58; y < img.height - 2 * 34; y++) {
    for (let x = 2 * 56; x < img.width - 2 * 56; x++) {
      const i = (y * img.width + x) * 4;
      if (Math.abs(img.data[i] - rgb[0]) + Math.abs(img.data[i + 1] - rgb[1]) + Math.abs(img.data[i + 2] - rgb[2]) <= tolerance) n++;
    }
  }
  return n;
}

const BLUE: [number, number, number] = [0x09, 0x69, 0xda];
const RED: [number, number, number] = [0xcf, 0x22, 0x2e];
const GREEN: [number, number, number] = [0x1a, 0x7f, 0x37];
/** The band's fill, #bc4c00 at 14 % over white. */
const BAND: [number, number, number] = [246, 230, 219];

describe('alert charts', () => {
  it('are not recorded when no channel draws them (webhook, console, the plain replay)', async () => {
    const got = await notificationsOf2018(false);
    expect(got.length).toBeGreaterThan(0);
    expect(got.filter((n) => n.chart)).toEqual([]);
  });

  let notifications: AlertNotification[];
  let traffic: AlertNotification;
  beforeAll(async () => {
    notifications = await notificationsOf2018();
    // That night it joined the sick node's page as "also seen"; these tests send it as a page of its own.
    traffic = { ...notifications.find((n) => n.check === 'trafficVsPods' && n.state === 'firing')!, alsoSeenWith: undefined };
  });

  it('come with firing and repeat alerts of trafficVsPods, nodeHeadroom and launchProbe: 3 h of points, small enough to keep owed', () => {
    const charted = notifications.filter((n) => n.chart);
    expect(new Set(charted.map((n) => n.check))).toEqual(new Set(['trafficVsPods', 'nodeHeadroom', 'launchProbe']));
    expect(charted.every((n) => n.state !== 'resolved')).toBe(true);
    expect(notifications.filter((n) => n.check === 'clusterHealth').every((n) => !n.chart)).toBe(true);
    for (const n of charted) {
      const c = n.chart!;
      expect(c.t[c.t.length - 1]).toBeLessThanOrEqual(3 * 3600);
      expect(c.t0 + c.t[c.t.length - 1] * 1000).toBe(Date.parse(n.at));
      for (const s of c.series) expect(s.values).toHaveLength(c.t.length);
    }
    expect(JSON.stringify(traffic.chart).length).toBeLessThan(8_000);
    // The band is the detector's own: where it is known, expected lies inside it.
    const expected = traffic.chart!.series.find((s) => s.label === 'expected pods')!.values;
    traffic.chart!.band!.low.forEach((low, i) => low !== null && expect(low).toBeLessThanOrEqual(expected[i]!));
  });

  it('render to a PNG whose plot area holds the lines, the band and the probe points', async () => {
    const img = decode(await renderChartPng(traffic.chart!, TZ));
    expect([img.width, img.height]).toEqual([1440, 600]);
    expect(countNear(img, BLUE)).toBeGreaterThan(1000); // running pods
    expect(countNear(img, BAND, 12)).toBeGreaterThan(10_000); // the band's tint
    expect(chartSvg(traffic.chart!, TZ)).toContain('PST');

    const probe = notifications.find((n) => n.check === 'launchProbe' && n.chart)!;
    const probeImg = decode(await renderChartPng(probe.chart!, TZ));
    expect(countNear(probeImg, GREEN)).toBeGreaterThan(500);
    expect(countNear(probeImg, RED)).toBeGreaterThan(50);

    // The same chart with its values gone draws an empty plot: the counts above are the data's.
    const empty: AlertChart = {
      ...traffic.chart!,
      series: traffic.chart!.series.map((s) => ({ ...s, values: s.values.map(() => null) })),
      band: undefined,
    };
    const blank = decode(await renderChartPng(empty, TZ));
    expect(countNear(blank, BLUE)).toBe(0);
    expect(countNear(blank, BAND, 12)).toBe(0);
  });

  describe('by email', () => {
    let smtp: TestSmtpServer;
    beforeAll(async () => {
      smtp = await startSmtpServer('bw', 'pw-for-chart-tests');
    });
    afterAll(async () => smtp?.close());
    const logs: string[] = [];
    const email = () =>
      emailNotifier({
        smtpUrl: smtp.url,
        from: 'alerts@example.org',
        to: ['oncall@example.org'],
        timeZone: TZ,
        timeoutMs: 5000,
        logger: jsonLogger((l) => logs.push(l)),
      });

    it('carries the chart inline (cid attachment referenced by the HTML)', async () => {
      await email().send(traffic);
      const mail = smtp.received.at(-1)!.parsed;
      const png = mail.attachments.find((a) => a.cid === CHART_CID)!;
      expect(png.contentType).toBe('image/png');
      expect(decode(png.content).width).toBe(1440);
      // mailparser, like a mail client, resolves the cid: reference to the attached image.
      expect(mail.html).toContain(`<img src="data:image/png;base64,${png.content.toString('base64')}"`);
    });

    it('still goes out, without a picture, when the chart cannot be drawn', async () => {
      const broken = { ...traffic, id: `${traffic.id}-broken`, chart: { ...traffic.chart!, series: undefined } as unknown as AlertChart };
      await email().send(broken);
      const mail = smtp.received.at(-1)!;
      expect(mail.parsed.headers.get('x-binderwatch-notification')).toBe(broken.id);
      expect(mail.parsed.attachments).toEqual([]);
      expect(mail.parsed.html).not.toContain('<img');
      expect(logs.some((l) => l.includes('alert chart did not render'))).toBe(true);
    });

    it.skipIf(!chromiumAvailable())('reads well in a browser, the chart shown inline (screenshot)', async () => {
      await email().send(traffic);
      // The HTML as mailparser resolved it: the cid: image inline, as a mail client shows it.
      const html = String(smtp.received.at(-1)!.parsed.html);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 900, height: 900 }, deviceScaleFactor: 1 });
        await page.setContent(html);
        const img = page.locator('img');
        expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1440);
        expect((await img.boundingBox())!.width).toBeLessThanOrEqual(720);
        await page.screenshot({ path: imagePath('alert-email.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    });
  });

  describe('in the Slack thread', () => {
    let slack: FakeSlack;
    const logs: string[] = [];
    beforeAll(async () => {
      slack = await startFakeSlack({ botToken: TOKEN, channels: [CHANNEL] });
    });
    afterAll(async () => slack?.close());
    const thread = (store = memoryThreadStore()) =>
      slackThreadNotifier({
        botToken: TOKEN,
        channel: CHANNEL,
        threadStore: store,
        logger: jsonLogger((l) => logs.push(l)),
        apiUrl: slack.apiUrl,
        timeZone: TZ,
        timeoutMs: 5000,
      });

    it('uploads the PNG into the incident thread with the external upload API, the token kept off the upload URL', async () => {
      const store = memoryThreadStore();
      await thread(store).send(traffic);
      const parentTs = await store.get(threadId(traffic));
      expect(slack.apiCalls.map((c) => c.method)).toEqual([
        'chat.postMessage',
        'files.getUploadURLExternal',
        'files.completeUploadExternal',
      ]);
      expect(slack.files).toHaveLength(1);
      const [file] = slack.files;
      expect(file).toMatchObject({ channel: CHANNEL, thread_ts: parentTs, filename: 'chart.png', uploadSawAuthorization: false });
      expect(file.title).toContain(traffic.key);
      expect(decode(file.bytes).width).toBe(1440);
    });

    it('delivers the alert when the upload is refused, and says why in the log', async () => {
      slack.failNext({ platformError: 'missing_scope' }, 1, 1); // the postMessage passes, the upload URL request fails
      const before = slack.messages.length;
      await thread().send(traffic);
      expect(slack.messages.length).toBe(before + 1);
      expect(logs.some((l) => l.includes('files:write') && l.includes('missing_scope'))).toBe(true);
    });
  });
});
