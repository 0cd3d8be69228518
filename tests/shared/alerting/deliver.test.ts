// The delivery path end to end: runCheck → lifecycle → owed notifications → real
// channels (loopback Slack receiver, a real SMTP server), with overlapping runs and
// failing channels.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '@google-cloud/storage';
import { parseConfig } from '../../../shared/config/load.ts';
import { jsonLogger } from '../../../shared/log.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { notifiersFromEnv } from '../../../shared/alerting/notifiers/index.ts';
import { memoryThreadStore } from '../../../shared/alerting/notifiers/slack-thread.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { type StateStore } from '../../../shared/state/store.ts';
import { GcsStore } from '../../../shared/state/gcs.ts';
import type { AlertState } from '../../../shared/alerting/lifecycle.ts';
import type { RetryPolicy } from '../../../shared/alerting/deliver.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { startFakeSlack, type FakeSlack } from '../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../infra/harnesses/smtp.ts';
import { startFakeGcs } from '../../../infra/fakes/gcs.ts';

const T0 = Date.UTC(2018, 0, 18, 13, 0);
const MIN = 60_000;
const SMTP_PASSWORD = 's3cret-smtp-pa55word';
const fastRetry: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: () => 1,
};

let slack: FakeSlack;
let smtp: TestSmtpServer;
beforeAll(async () => {
  slack = await startFakeSlack({ webhookPath: '/services/T000/B000/XXXXSECRETXXXX' });
  smtp = await startSmtpServer('alerts', SMTP_PASSWORD);
});
afterAll(async () => {
  await slack.close();
  await smtp.close();
});
afterEach(() => {
  slack.webhooks.length = 0;
  smtp.received.length = 0;
});

/**
 * A launch probe whose outcome the test sets. `corroborated`: the traffic check's pods
 * show the shortfall too, which makes a failed launch a critical alert at once.
 */
function probeSource(state: Probe) {
  return {
    async observe(req: { now: number }) {
      const r: ProbeResult = {
        binderUrl: 'https://hub.example.org',
        repo: 'gh/org/repo/HEAD',
        at: req.now,
        ok: state.ok,
        failedPhase: state.ok ? undefined : 'launch',
      };
      return {
        results: [r],
        traffic: { at: req.now, launchSuccess: state.corroborated === false ? 0.97 : 0.3, shortfall: state.corroborated !== false },
        // …and the traffic check's alert fires: corroboration counts only past its own pending time.
        firing:
          state.corroborated === false
            ? []
            : [
                {
                  check: 'trafficVsPods' as const,
                  key: 'trafficVsPods:levelling-off',
                  severity: 'critical' as const,
                  since: req.now - 60_000,
                },
              ],
      };
    },
  };
}

interface Probe {
  ok: boolean;
  corroborated?: boolean;
}

function deps(store: StateStore, probe: Probe, logLines: string[] = []): CheckDeps {
  const logger = jsonLogger((l) => logLines.push(l));
  const config = parseConfig({
    checks: { launchProbe: { targets: [{ binderUrl: 'https://hub.example.org', repos: ['gh/org/repo/HEAD'] }] } },
    // One launch alert whose delivery is followed run by run: the SLO's own burn alert would share Slack's failures.
    slo: { enabled: false },
  });
  const env = {
    BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl,
    BINDERWATCH_SMTP_URL: smtp.url,
    BINDERWATCH_EMAIL_FROM: 'binderwatch@example.org',
    BINDERWATCH_EMAIL_TO: 'oncall@example.org,team@example.org',
  };
  const notifiers = notifiersFromEnv(env, { logger, threadStore: memoryThreadStore() }).filter((n) => n.name !== 'console');
  return { config, sources: { launchProbe: probeSource(probe) }, store, notifiers, logger, retryPolicy: fastRetry };
}

const slackTitles = () => slack.webhooks.map((w) => String(w.text).split('\n')[0]);
const mailSubjects = () => smtp.received.map((m) => m.parsed.subject ?? '');
const count = (list: string[], re: RegExp) => list.filter((s) => re.test(s)).length;

async function storesUnderTest(): Promise<[string, () => Promise<{ store: StateStore; close: () => Promise<void> }>][]> {
  return [
    ['memory', async () => ({ store: new MemoryStore(), close: async () => {} })],
    [
      'GCS (loopback JSON API)',
      async () => {
        const gcs = await startFakeGcs({ buckets: ['state'] });
        const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test' });
        return { store: new GcsStore({ storage, bucket: 'state', prefix: 'binderwatch/' }), close: () => gcs.close() };
      },
    ],
  ];
}

describe('delivery', async () => {
  describe.each(await storesUnderTest())('20 overlapping runs over one %s store', (_name, open) => {
    it('send exactly one FIRING and then exactly one RESOLVED per channel', async () => {
      const { store, close } = await open();
      try {
        const probe: Probe = { ok: false };
        const d = deps(store, probe);
        await Promise.all(Array.from({ length: 20 }, () => runCheck('launchProbe', d, T0)));
        expect(count(slackTitles(), /FIRING/)).toBe(1);
        expect(count(mailSubjects(), /FIRING critical/)).toBe(1);
        probe.ok = true;
        probe.corroborated = false;
        // A failing hub counts as failing until good launches outweigh half its evidence (eleven runs here).
        for (let k = 1; k <= 11; k++) await Promise.all(Array.from({ length: 20 }, () => runCheck('launchProbe', d, T0 + k * MIN)));
        expect(count(slackTitles(), /RESOLVED/)).toBe(1);
        expect(count(mailSubjects(), /RESOLVED/)).toBe(1);
        expect(slack.webhooks).toHaveLength(2);
        expect(smtp.received).toHaveLength(2);
      } finally {
        await close();
      }
    });
  });

  it('keeps a FIRING owed while Slack is down for three runs, sends it once when Slack is back, and tells email that Slack is failing', async () => {
    const store = new MemoryStore();
    const probe: Probe = { ok: false };
    const logLines: string[] = [];
    const d = deps(store, probe, logLines);
    const runs: { slack: string[]; mail: string[] }[] = [];
    slack.failNext({ status: 500, body: 'internal_error' }, 3 * 3); // three runs × three attempts
    for (let i = 0; i < 6; i++) {
      // One failed launch alone is not yet an incident; from the second run the pods corroborate it.
      probe.corroborated = i >= 1;
      const before = { s: slack.webhooks.length, m: smtp.received.length };
      await runCheck('launchProbe', d, T0 + i * 10 * MIN);
      runs.push({ slack: slackTitles().slice(before.s), mail: mailSubjects().slice(before.m) });
    }
    // Run 2 (i=1) fires: email gets it on time, Slack does not.
    expect(runs[1].mail.filter((s) => /FIRING critical: Launch of gh\/org\/repo\/HEAD/.test(s))).toHaveLength(1);
    expect(runs[1].slack).toEqual([]);
    // Slack failing for two runs is itself an alert, sent on the other channel only.
    expect(runs.flatMap((r) => r.mail).filter((s) => /FIRING .*slack delivery failing/.test(s))).toHaveLength(1);
    // Slack is back on the 4th run after firing: the FIRING arrives there once, late.
    expect(runs.flatMap((r) => r.slack).filter((s) => /FIRING/.test(s) && /Launch of/.test(s))).toHaveLength(1);
    expect(runs[4].slack.some((s) => /FIRING/.test(s))).toBe(true);
    // Nothing is owed any more.
    const owed = await Promise.all((await store.list('')).map(async (k) => (await store.get<AlertState>(k))?.value.owed?.length ?? 0));
    expect(owed.every((n) => n === 0)).toBe(true);
    // And no secret reached a log line.
    const logs = logLines.join('\n');
    expect(logs).toContain('notification not delivered');
    for (const secret of [slack.webhookUrl, '/services/T000/B000/XXXXSECRETXXXX', 'XXXXSECRETXXXX', SMTP_PASSWORD])
      expect(logs).not.toContain(secret);
  });

  it('leaves a notification claimed by a live run alone, and takes over one whose claim expired (a crashed run)', async () => {
    const store = new MemoryStore();
    const probe = { ok: false };
    const d = deps(store, probe);
    const key = 'alert/launchProbe/launch:hub.example.org:gh/org/repo/HEAD';
    await runCheck('launchProbe', d, T0);
    // Pretend a run fired the alert, claimed its notification and crashed before sending.
    const cur = (await store.get<AlertState>(key))!;
    const notification = {
      id: 'x#1',
      at: new Date(T0).toISOString(),
      check: 'launchProbe' as const,
      key: cur.value.key,
      state: 'firing' as const,
      status: 'problem' as const,
      severity: 'critical' as const,
      summary: 'left behind by a crashed run',
      runbook: [],
      firingSince: new Date(T0).toISOString(),
    };
    await store.put(
      key,
      {
        ...cur.value,
        phase: 'firing',
        firing: { since: T0, status: 'problem', severity: 'critical', notified: true, lastNotifiedAt: T0 },
        owed: [{ notification, channels: ['email'], claimedBy: 'crashed-run', claimedUntil: T0 + 5 * MIN }],
      },
      cur.version,
    );
    await runCheck('launchProbe', d, T0 + 2 * MIN);
    expect(mailSubjects().filter((s) => s.includes('left behind'))).toEqual([]);
    await runCheck('launchProbe', d, T0 + 6 * MIN);
    expect(mailSubjects().filter((s) => s.includes('left behind'))).toHaveLength(1);
  });
});
