// alerting.links end to end: from the config through runCheck to what Slack (Block Kit,
// to a loopback Slack) and email (to a real SMTP server) show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { emailNotifier } from '../../../shared/alerting/notifiers/email.ts';
import { slackWebhookNotifier } from '../../../shared/alerting/notifiers/slack.ts';
import { jsonLogger } from '../../../shared/log.ts';
import type { ClusterHealthObservation } from '../../../shared/model.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { startFakeSlack, type FakeSlack } from '../../../infra/fakes/slack.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../infra/harnesses/smtp.ts';

const T0 = Date.UTC(2018, 0, 18, 14, 0);
const MIN = 60_000;
const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';
const sickNode: ClusterHealthObservation = {
  problems: [
    {
      namespace: 'kube-system',
      pod: 'fluentd-gcp-v2.0.9-68p79',
      node: SICK,
      owner: 'DaemonSet/fluentd-gcp-v2.0.9',
      reason: 'CrashLoopBackOff',
      since: T0,
    },
  ],
  notReadyNodes: [],
};

let slack: FakeSlack;
let smtp: TestSmtpServer;
beforeAll(async () => {
  [slack, smtp] = await Promise.all([startFakeSlack(), startSmtpServer('binderwatch', 'smtp-pa55word-for-tests')]);
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close()]);
});

describe('alerting.links', () => {
  it('shows the configured dashboard and hub links in the Slack Block Kit message and in the email', async () => {
    const deps: CheckDeps = {
      config: parseConfig({
        alerting: {
          links: { dashboard: 'https://grafana.mybinder.org/d/nodes?var-a=1&var-b=2', hub: 'https://mybinder.org' },
          state: { type: 'memory' },
        },
      }),
      sources: { clusterHealth: { observe: async () => sickNode } },
      store: new MemoryStore(),
      notifiers: [
        slackWebhookNotifier({ webhookUrl: slack.webhookUrl, timeoutMs: 5000 }),
        emailNotifier({ smtpUrl: smtp.url, from: 'binderwatch <alerts@example.org>', to: ['oncall@example.org'], timeoutMs: 5000 }),
      ],
      logger: jsonLogger(() => {}),
    };
    for (const minute of [0, 5]) await runCheck('clusterHealth', deps, T0 + minute * MIN);

    expect(slack.invalid).toEqual([]);
    expect(slack.webhooks).toHaveLength(1);
    const sections = (slack.webhooks[0] as { blocks: { type: string; text?: { text: string } }[] }).blocks.map((b) => b.text?.text);
    expect(sections).toContain('<https://grafana.mybinder.org/d/nodes?var-a=1&amp;var-b=2|Dashboard> · <https://mybinder.org|Hub>');

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0].parsed;
    expect(mail.text).toContain('Links\n  Dashboard: https://grafana.mybinder.org/d/nodes?var-a=1&var-b=2\n  Hub: https://mybinder.org');
    expect(mail.html).toMatch(
      /<a href="https:\/\/grafana\.mybinder\.org\/d\/nodes\?var-a=1&amp;var-b=2"[^>]*>Dashboard<\/a> · <a href="https:\/\/mybinder\.org"[^>]*>Hub<\/a>/,
    );
  });
});
