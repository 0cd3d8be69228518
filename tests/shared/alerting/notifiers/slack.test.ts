import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../../infra/fakes/slack.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { TRUNCATION_NOTE } from '../../../../shared/alerting/notifiers/format.ts';
import { buildThreadReply } from '../../../../shared/alerting/notifiers/slack-thread.ts';
import { buildPayload } from '../../../../shared/alerting/notifiers/slack.ts';
import { blind, firing, headroom, levellingOff, quota, repeat, resolved, sickNode, sickNodeResolved } from '../../../helpers/alerts.ts';

const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text, emoji: true } });
const section = (text: string) => ({ type: 'section', text: md(text) });
const fields = (...texts: string[]) => ({ type: 'section', fields: texts.map(md) });
const context = (text: string) => ({ type: 'context', elements: [md(text)] });

const TITLE = 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)';
const SUMMARY = 'Phase build: the build failed, after 10m12s';
const EVIDENCE = fields('*Waiting*\n1.2 s', '*Building*\n611.3 s', '*Failed launches*\n3', '*median launch s*\n612.46');
const DETAILS = section('3 of the last 3 launches failed: build timed out after 600s.');
const RUNBOOK = section(
  '*Runbook*\n```\nkubectl -n prod get pods -l component=binderhub\nkubectl -n prod logs deploy/binder --since=30m | grep -i error\n```',
);
const RESOLVED_TITLE = 'gh/binder-examples/requirements/HEAD launches on mybinder.org';
const RESOLVED_WHY = 'Resolved after 2h13m: 6 of 6 probe launches ok in the last hour';
const RESOLVED_STATUS = `Ends “${TITLE}”, firing since 2026-11-24 10:02 UTC for 2h13m.`;
const LAUNCH_LINKS = section('<https://mybinder.org|Hub> · <https://grafana.mybinder.org/d/launch?var-a=1&amp;var-b=2|Dashboard>');
const LINKS = section('<https://grafana.mybinder.org|Dashboard> · <https://mybinder.org|Hub>');
const launchFooter = (id: string) => context(`launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${id}`);

describe('Slack buildPayload', () => {
  it('announces a firing alert: sign, state, severity and title in the header, the why, labelled numbers, details, runbook, links', () => {
    expect(buildPayload(firing)).toEqual({
      text: `:rotating_light: FIRING critical: ${TITLE}\n${SUMMARY}`,
      blocks: [
        header(`:rotating_light: FIRING critical: ${TITLE}`),
        section(`${SUMMARY}\n_Firing since 2026-11-24 10:02 UTC._`),
        EVIDENCE,
        DETAILS,
        RUNBOOK,
        LAUNCH_LINKS,
        launchFooter(firing.id),
      ],
    });
  });

  it('says a reminder is STILL FIRING and since when', () => {
    expect(buildPayload(repeat)).toEqual({
      text: `:rotating_light: STILL FIRING critical: ${TITLE}\n${SUMMARY}`,
      blocks: [
        header(`:rotating_light: STILL FIRING critical: ${TITLE}`),
        section(`${SUMMARY}\n_STILL FIRING since 2026-11-24 10:02 UTC (1h5m)._`),
        EVIDENCE,
        DETAILS,
        RUNBOOK,
        LAUNCH_LINKS,
        launchFooter(repeat.id),
      ],
    });
  });

  it('says why it resolved, the numbers now beside what they were, and which incident it ends; no commands', () => {
    expect(buildPayload(resolved)).toEqual({
      text: `:white_check_mark: RESOLVED critical: ${RESOLVED_TITLE}\n${RESOLVED_WHY}`,
      blocks: [
        header(`:white_check_mark: RESOLVED critical: ${RESOLVED_TITLE}`),
        section(`${RESOLVED_WHY}\n_${RESOLVED_STATUS}_`),
        fields('*Failed launches*\n0 (was 3)'),
        LAUNCH_LINKS,
        launchFooter(resolved.id),
      ],
    });
  });

  it('keeps the details and commands a resolve carries when asked to (a thread parent stays the record)', () => {
    const n = { ...resolved, details: 'rebuilt the image', runbook: ['kubectl get pods'] };
    expect(buildPayload(n, { resolvedInFull: true }).blocks).toEqual([
      header(`:white_check_mark: RESOLVED critical: ${RESOLVED_TITLE}`),
      section(`${RESOLVED_WHY}\n_${RESOLVED_STATUS}_`),
      fields('*Failed launches*\n0 (was 3)'),
      section('rebuilt the image'),
      section('*Runbook*\n```\nkubectl get pods\n```'),
      LAUNCH_LINKS,
      launchFooter(resolved.id),
    ]);
    expect(buildPayload(n).blocks).not.toContainEqual(section('rebuilt the image'));
  });

  it('says the check cannot see, and leaves out the blocks it has nothing for', () => {
    expect(buildPayload(blind)).toEqual({
      text: ':grey_question: FIRING warning: Cannot read mybinder.org /health\nmybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)',
      blocks: [
        header(':grey_question: FIRING warning: Cannot read mybinder.org /health'),
        section(
          'mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)\n_Cannot see health:mybinder.org since 2026-11-24 10:02 UTC._',
        ),
        fields('*Consecutive unknown*\n3'),
        section('*Runbook*\n```\ncurl -sS https://mybinder.org/health\n```'),
        context(`binderHealth · health:mybinder.org · ${blind.id}`),
      ],
    });
  });

  it('writes a node headroom alert with the pool in the title, labels and units, and the filled-in runbook', () => {
    expect(buildPayload(headroom)).toEqual({
      text:
        ':rotating_light: FIRING critical: Pool prod-a/ssd-pool at 14 of 15 nodes\n' +
        '14 of 15 nodes in use in pool prod-a/ssd-pool (93 %), 1 cordoned (gke-prod-a-ssd-pool-972e4826-2fhq): dashboards that skip cordoned nodes show 13; max reached in ~1h20m at the current rate',
      blocks: [
        header(':rotating_light: FIRING critical: Pool prod-a/ssd-pool at 14 of 15 nodes'),
        section(
          '14 of 15 nodes in use in pool prod-a/ssd-pool (93 %), 1 cordoned (gke-prod-a-ssd-pool-972e4826-2fhq): dashboards that skip cordoned nodes show 13; max reached in ~1h20m at the current rate\n' +
            '_Firing since 2018-01-18 13:05 UTC._',
        ),
        fields(
          '*Nodes (cordoned included)*\n14',
          '*Autoscaler max*\n15',
          '*In use*\n93 %',
          '*Cordoned*\n1',
          '*Pods pending for room*\n0',
          '*Max reached in*\n1h20m',
        ),
        section(
          '*Runbook*\n```\n' +
            'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415\n' +
            'kubectl get nodes -l cloud.google.com/gke-nodepool=ssd-pool -o wide   # SchedulingDisabled = cordoned, still counted\n' +
            'kubectl get pods --all-namespaces --field-selector=status.phase=Pending\n' +
            'gcloud container clusters update prod-a --location us-central1 --project binderhub-288415 --node-pool ssd-pool --enable-autoscaling --max-nodes 7   # per zone: now 5 × 3 zones = 15\n' +
            '```',
        ),
        LINKS,
        context(`nodeHeadroom · headroom:prod-a/ssd-pool · ${headroom.id}`),
      ],
    });
  });

  it('writes a sick node alert with its owners (Deployments, not ReplicaSets) as evidence', () => {
    const node = 'gke-prod-a-ssd-pool-972e4826-2fhq';
    expect(buildPayload(sickNode)).toEqual({
      text: `:rotating_light: FIRING critical: Sick node ${node}\n${sickNode.summary}`,
      blocks: [
        header(`:rotating_light: FIRING critical: Sick node ${node}`),
        section(
          '3 pods crash-looping from 3 owners; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail\n' +
            '_Firing since 2018-01-18 13:45 UTC._',
        ),
        fields(
          '*Crash-looping pods*\n3',
          '*Owners*\nDaemonSet/fluentd-gcp-v2.0.9 (kube-system), Deployment/nginx-ingress-controller (prod), Deployment/nginx-ingress-default-backend (prod)',
          '*Node Ready*\nyes',
        ),
        section(
          '*Runbook*\n```\n' +
            'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415\n' +
            `kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${node}\n` +
            `kubectl cordon ${node}   # stop new launches landing there\n` +
            '```',
        ),
        LINKS,
        context(`clusterHealth · node:${node} · ${sickNode.id}`),
      ],
    });
    expect(buildPayload(sickNodeResolved)).toEqual({
      text: `:white_check_mark: RESOLVED critical: Sick node ${node}\n${sickNodeResolved.summary}`,
      blocks: [
        header(`:white_check_mark: RESOLVED critical: Sick node ${node}`),
        section(`${sickNodeResolved.summary}\n_Ends “Sick node ${node}”, firing since 2018-01-18 13:45 UTC for 4h._`),
        LINKS,
        context(`clusterHealth · node:${node} · ${sickNodeResolved.id}`),
      ],
    });
  });

  it('writes a levelling-off alert with the model’s numbers labelled, σ and % as units', () => {
    const p = buildPayload(levellingOff);
    expect(p.blocks[0]).toEqual(header(':rotating_light: FIRING critical: Running pods levelling off: 609 of ~651 expected'));
    expect(p.blocks[2]).toEqual(
      fields(
        '*Demand*\n7.2/min',
        '*Expected running pods*\n651',
        '*Running pods*\n609',
        '*Shortfall (pods)*\n42',
        '*Shortfall beyond noise*\n4.5 σ',
        '*Implied launch success*\n38 %',
        '*Over the last*\n10 min',
      ),
    );
    expect(p.blocks.slice(3)).toEqual([
      section(
        'Model dp/dt = s·a − p/W fitted on the baseline: s=0.941, W=138 min (the most cautious of 3 that fit). Shortfall 42 pods = 4.5σ over 10 min.',
      ),
      section('*Runbook*\n```\nkubectl get pods --all-namespaces -o wide | grep -v Running   # pods not running, and on which node\n```'),
      LINKS,
      context(`trafficVsPods · trafficVsPods:levelling-off · ${levellingOff.id}`),
    ]);
  });

  it('writes a hub health warning with the hub’s own check names as labels', () => {
    expect(buildPayload(quota)).toEqual({
      text: ':warning: FIRING warning: mybinder.org pod quota at 190 of 200\nmybinder.org pod quota nearly full: 190 of 200',
      blocks: [
        header(':warning: FIRING warning: mybinder.org pod quota at 190 of 200'),
        section('mybinder.org pod quota nearly full: 190 of 200\n_Firing since 2018-01-18 14:00 UTC._'),
        fields('*Pod quota used*\n190 of 200', '*Docker registry*\nok', '*JupyterHub*\nok'),
        section('Launch-probe alerts of this hub are held back while this alert fires.'),
        section('*Runbook*\n```\ncurl -s https://mybinder.org/health | python3 -m json.tool\n```'),
        section('<https://mybinder.org/health|mybinder.org /health> · <https://grafana.mybinder.org|Dashboard>'),
        context(`binderHealth · health:mybinder.org · ${quota.id}`),
      ],
    });
  });

  it('fits every alert of the 2018 night within Block Kit’s limits, header included, without a truncation note', () => {
    for (const n of [firing, repeat, resolved, blind, headroom, sickNode, sickNodeResolved, levellingOff, quota]) {
      const p = buildPayload(n);
      expect(validateMessage(p)).toEqual([]);
      expect(JSON.stringify(p)).not.toContain(TRUNCATION_NOTE);
    }
  });

  it('shows times in the display time zone', () => {
    expect(buildPayload(firing, { timeZone: 'America/Los_Angeles' }).blocks[1]).toEqual(
      section(`${SUMMARY}\n_Firing since 2026-11-24 02:02 PST (10:02 UTC)._`),
    );
  });

  it('escapes Slack control characters in mrkdwn but not in the plain-text header', () => {
    const p = buildPayload({ ...firing, title: 'pods <none> & nodes > 3', summary: 'why <b> & more', details: '<!channel> ping' });
    expect(p.blocks[0]).toEqual(header(':rotating_light: FIRING critical: pods <none> & nodes > 3'));
    expect(p.blocks[1]).toEqual(section('why &lt;b&gt; &amp; more\n_Firing since 2026-11-24 10:02 UTC._'));
    expect(p.blocks[3]).toEqual(section('&lt;!channel&gt; ping'));
    expect(p.text).toBe(':rotating_light: FIRING critical: pods &lt;none&gt; &amp; nodes &gt; 3\nwhy &lt;b&gt; &amp; more');
  });

  it('makes hub text inert: no formatting, block quote, mention or auto-link, while snake_case and the runbook stay as written', () => {
    const hostile = 'hub says *URGENT* _now_ ~gone~ `rm -rf` @channel @here\n> quoted <https://evil.example|click>';
    const p = buildPayload({
      ...firing,
      summary: 'pod binder_user_42 failed',
      details: hostile,
      runbook: ["kubectl get pods -o jsonpath='{.items[*].metadata.name}'"],
    });
    expect(p.blocks[1]).toEqual(section('pod binder_user_42 failed\n_Firing since 2026-11-24 10:02 UTC._'));
    expect(p.blocks[3]).toEqual({
      type: 'section',
      text: md(
        'hub says \u2217URGENT\u2217 \uff3fnow\uff3f \u223cgone\u223c \uff40rm -rf\uff40 @\u2060channel @\u2060here\n\uff1e quoted &lt;https://evil.example|click&gt;',
      ),
    });
    expect(p.blocks[4]).toEqual({
      type: 'section',
      text: md("*Runbook*\n```\nkubectl get pods -o jsonpath='{.items[*].metadata.name}'\n```"),
    });
  });

  it('keeps an oversized notification within every Block Kit limit, saying what it cut', () => {
    const huge: AlertNotification = {
      ...firing,
      title: 'T'.repeat(300),
      summary: 'S&<'.repeat(2000),
      details: '👍🏽'.repeat(2000),
      evidence: Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`metric ${i} ${'n'.repeat(300)}`, 'v'.repeat(3000)])),
      runbook: Array.from({ length: 500 }, (_, i) => `kubectl describe node gke-prod-${i}`),
      links: Array.from({ length: 20 }, (_, i) => ({ title: `link ${i}`, url: `https://example.org/${i}` })),
    };
    const p = buildPayload(huge);
    expect(validateMessage(p)).toEqual([]);
    const header = p.blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith(TRUNCATION_NOTE)).toBe(true);
    const runbook = p.blocks.find((b) => 'text' in b && b.text.text.startsWith('*Runbook*')) as { text: { text: string } };
    expect(runbook.text.text.endsWith(`${TRUNCATION_NOTE}\n\`\`\``)).toBe(true);
    const fields = p.blocks.flatMap((b) => ('fields' in b ? b.fields : []));
    expect(fields).toHaveLength(30);
    expect(fields[29].text).toBe(`_16 more ${TRUNCATION_NOTE}_`);
    const links = p.blocks.at(-2) as { text: { text: string } };
    expect(links.text.text.split(' · ')).toHaveLength(20);
  });
});

describe('Slack buildThreadReply', () => {
  it('replies to a reminder with where it stands and the current numbers', () => {
    expect(buildThreadReply(repeat)).toEqual({
      text: ':rotating_light: STILL FIRING since 2026-11-24 10:02 UTC (1h5m).',
      blocks: [{ type: 'section', text: md(':rotating_light: STILL FIRING since 2026-11-24 10:02 UTC (1h5m).') }, EVIDENCE],
    });
  });

  it('replies to a resolution with why, which incident it ends, and the numbers now', () => {
    const line = `:white_check_mark: ${RESOLVED_WHY}\n${RESOLVED_STATUS}`;
    expect(buildThreadReply(resolved)).toEqual({
      text: line,
      blocks: [{ type: 'section', text: md(line) }, fields('*Failed launches*\n0 (was 3)')],
    });
  });
});

// The loopback Slack's checks are what the "Slack accepts it" tests rely on, so they must bite.
describe('the loopback Slack’s Block Kit rules', () => {
  const plainHeader = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
  it.each([
    [{ blocks: [plainHeader('x'.repeat(151))] }, 'blocks[0].text.text: 151 characters, more than 150'],
    [{ blocks: [{ type: 'header', text: md('*bold*') }] }, 'blocks[0].text.type: must be plain_text'],
    [{ blocks: [{ type: 'section', text: md('x'.repeat(3001)) }] }, 'blocks[0].text.text: 3001 characters, more than 3000'],
    [{ blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => md('f')) }] }, 'blocks[0].fields: 11 items, more than 10'],
    [{ blocks: [{ type: 'section', fields: [md('x'.repeat(2001))] }] }, 'blocks[0].fields[0].text: 2001 characters, more than 2000'],
    [{ blocks: [{ type: 'section' }] }, 'blocks[0]: needs text or fields'],
    [{ blocks: [{ type: 'section', text: md('') }] }, 'blocks[0].text.text: required, non-empty'],
    [
      { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }] },
      'blocks[0].text.emoji: not allowed in a mrkdwn object',
    ],
    [{ blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => md('c')) }] }, 'blocks[0].elements: 11 items, more than 10'],
    [{ blocks: [{ type: 'banner', text: md('x') }] }, 'blocks[0].type: unknown block type "banner"'],
    [{ blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, 'blocks: 51 blocks, more than 50'],
    [{ text: 'x'.repeat(40_001) }, 'text: 40001 characters, more than 40000'],
    [{}, 'no_text: neither text nor blocks'],
  ])('%#: refuses a payload Slack would refuse', (payload, error) => {
    expect(validateMessage(payload)).toContain(error);
  });

  it('accepts a minimal valid message', () => {
    expect(validateMessage({ text: 'hi', blocks: [plainHeader('hi'), { type: 'divider' }] })).toEqual([]);
  });
});
