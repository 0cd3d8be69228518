// Grouping across checks, through the real lifecycle and channels: the 2018 night's alerts
// that fired for one root cause within minutes page once; the others join that page's
// Slack thread and email as "also seen", each still resolving with its own message.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../infra/harnesses/smtp.ts';
import { emailNotifier } from '../../../shared/alerting/notifiers/email.ts';
import { memoryThreadStore, slackThreadNotifier } from '../../../shared/alerting/notifiers/slack-thread.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/log.ts';
import { replay, type ReplayAlert } from '../../../shared/replay/replay.ts';
import { parseScenario } from '../../../shared/scenario/openmetrics.ts';

const SCENARIO = 'infra/scenarios/mybinder-2018-01-18.om';
const TOKEN = 'xoxb-page-group-test';
const CHANNEL = 'C0PAGEGROUP';

let slack: FakeSlack;
let smtp: TestSmtpServer;
let alerts: ReplayAlert[];
beforeAll(async () => {
  slack = await startFakeSlack({ botToken: TOKEN, channels: [CHANNEL] });
  smtp = await startSmtpServer('binderwatch', 'smtp-pa55word-for-tests');
  const both = ['slack', 'email'];
  const config = parseConfig({
    alerting: {
      state: { type: 'memory' },
      routes: [
        { severity: 'critical', channels: both },
        { severity: 'warning', channels: both },
      ],
    },
  });
  const notifiers = [
    slackThreadNotifier({
      botToken: TOKEN,
      channel: CHANNEL,
      threadStore: memoryThreadStore(),
      logger: silentLogger,
      apiUrl: slack.apiUrl,
    }),
    emailNotifier({ smtpUrl: smtp.url, from: 'binderwatch <alerts@example.org>', to: ['oncall@example.org'], timeoutMs: 5000 }),
  ];
  alerts = await replay(parseScenario(readFileSync(SCENARIO, 'utf8'), SCENARIO), config, { notifiers });
}, 120_000);
afterAll(async () => {
  await slack?.close();
  await smtp?.close();
});

const text = (m: { text?: string }) => m.text ?? '';

describe('the 2018 night through the real lifecycle, Slack (threads) and email', () => {
  it('pages once for the sick node: levelling-off, launch and SLO fire within minutes and join its thread as "also seen"', () => {
    const fired = alerts.filter((a) => a.state === 'firing' && a.severity === 'critical' && a.at >= '2018-01-18T13:45');
    expect(fired.map((a) => a.check).sort()).toEqual(['clusterHealth', 'launchProbe', 'launchProbe', 'trafficVsPods']);
    // One parent in the channel for the night's root cause, headed by the sick node.
    const parents = slack.messages.filter((m) => !m.thread_ts && text(m).includes('critical'));
    const night = parents.filter((m) => text(m).includes('Sick node'));
    expect(night).toHaveLength(1);
    expect(parents.filter((m) => /levelling off|Launch of|error budget/.test(text(m)))).toEqual([]);
    // The others are replies in its thread, each saying it is also seen with the page.
    const replies = slack.messages.filter((m) => m.thread_ts === night[0].ts);
    for (const title of ['Running pods levelling off', 'Launch of gh/binder-examples/conda/HEAD', 'launch success burns'])
      expect(
        replies.some((m) => text(m).includes('Also seen: FIRING critical') && text(m).includes(title)),
        title,
      ).toBe(true);
    expect(replies.some((m) => text(m).includes('Also seen with the page “Sick node'))).toBe(true);
  });

  it('sends the joined alerts by email as "Also seen: …", naming the page, and each resolves with its own message', () => {
    const subjects = smtp.received.map((m) => m.parsed.subject ?? '');
    expect(subjects.filter((s) => s.startsWith('[binderwatch] FIRING critical') && s.includes('Sick node'))).toHaveLength(1);
    const also = smtp.received.filter((m) => (m.parsed.subject ?? '').startsWith('[binderwatch] Also seen: FIRING critical'));
    expect(also.length).toBe(3);
    for (const m of also) expect(m.parsed.text).toContain('Also seen with the page “Sick node');
    // Each joined alert still resolves on its own, in the page's thread and by email.
    expect(subjects.some((s) => s.startsWith('[binderwatch] Also seen: RESOLVED critical: Running pods'))).toBe(true);
    const night = slack.messages.find((m) => !m.thread_ts && text(m).includes('Sick node'))!;
    const thread = slack.messages.filter((m) => m.thread_ts === night.ts).map(text);
    for (const title of ['Running pods levelling off', 'gh/binder-examples/conda/HEAD launches'])
      expect(
        thread.filter((t) => t.includes('Also seen: RESOLVED critical') && t.includes(title)),
        title,
      ).toHaveLength(1);
    // The page's own resolve names the incident it ends.
    expect(thread.filter((t) => t.includes('Ends “Sick node'))).toHaveLength(1);
  });
});
