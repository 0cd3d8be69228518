import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../../infra/fake-slack.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { TRUNCATION_NOTE } from '../../../../shared/alerting/notifiers/format.ts';
import { buildThreadReply } from '../../../../shared/alerting/notifiers/slack-thread.ts';
import { buildPayload } from '../../../../shared/alerting/notifiers/slack.ts';
import { blind, firing, repeat, resolved } from './fixtures.ts';

const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const SUMMARY = 'Launches of binder-examples/requirements fail on mybinder.org';
const EVIDENCE = { type: 'section', fields: [md('*failedLaunches*\n3'), md('*attempts*\n3'), md('*median launch s*\n612.46')] };
const DETAILS = { type: 'section', text: md('3 of the last 3 launches failed: build timed out after 600s.') };
const RUNBOOK = {
  type: 'section',
  text: md('*Runbook*\n```\nkubectl -n prod get pods -l component=binderhub\nkubectl -n prod logs deploy/binder --since=30m | grep -i error\n```'),
};
const context = (id: string) => ({
  type: 'context',
  elements: [
    md('<https://mybinder.org|Hub>'),
    md('<https://grafana.mybinder.org/d/launch?var-a=1&amp;var-b=2|Dashboard>'),
    md(`launchProbe · launch:mybinder.org:gh/binder-examples/requirements/HEAD · ${id}`),
  ],
});

describe('Slack buildPayload', () => {
  it('announces a firing alert with header, summary, numbers, details, runbook and links', () => {
    expect(buildPayload(firing)).toEqual({
      text: `:rotating_light: FIRING critical: ${SUMMARY}\nFiring since 2026-11-24 10:02 UTC.`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `:rotating_light: FIRING critical: ${SUMMARY}`, emoji: true } },
        { type: 'section', text: md(`*${SUMMARY}*\nFiring since 2026-11-24 10:02 UTC.`) },
        EVIDENCE,
        DETAILS,
        RUNBOOK,
        context(firing.id),
      ],
    });
  });

  it('says a reminder is STILL FIRING and since when', () => {
    expect(buildPayload(repeat)).toEqual({
      text: `:rotating_light: STILL FIRING critical: ${SUMMARY}\nSTILL FIRING since 2026-11-24 10:02 UTC (1h5m).`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `:rotating_light: STILL FIRING critical: ${SUMMARY}`, emoji: true } },
        { type: 'section', text: md(`*${SUMMARY}*\nSTILL FIRING since 2026-11-24 10:02 UTC (1h5m).`) },
        EVIDENCE,
        DETAILS,
        RUNBOOK,
        context(repeat.id),
      ],
    });
  });

  it('says how long a resolved alert lasted', () => {
    expect(buildPayload(resolved)).toEqual({
      text: `:white_check_mark: RESOLVED critical: ${SUMMARY}\nResolved after 2h13m (firing since 2026-11-24 10:02 UTC).`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `:white_check_mark: RESOLVED critical: ${SUMMARY}`, emoji: true } },
        { type: 'section', text: md(`*${SUMMARY}*\nResolved after 2h13m (firing since 2026-11-24 10:02 UTC).`) },
        EVIDENCE,
        DETAILS,
        RUNBOOK,
        context(resolved.id),
      ],
    });
  });

  it('says the check cannot see, and leaves out the blocks it has nothing for', () => {
    const summary = 'mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)';
    expect(buildPayload(blind)).toEqual({
      text: `:grey_question: FIRING warning: ${summary}\nCannot see health:mybinder.org since 2026-11-24 10:02 UTC.`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `:grey_question: FIRING warning: ${summary}`, emoji: true } },
        { type: 'section', text: md(`*${summary}*\nCannot see health:mybinder.org since 2026-11-24 10:02 UTC.`) },
        { type: 'section', fields: [md('*consecutiveUnknown*\n3')] },
        { type: 'section', text: md('*Runbook*\n```\ncurl -sS https://mybinder.org/health\n```') },
        { type: 'context', elements: [md(`binderHealth · health:mybinder.org · ${blind.id}`)] },
      ],
    });
  });

  it('shows times in the display time zone', () => {
    expect(buildPayload(firing, { timeZone: 'America/Los_Angeles' }).blocks[1]).toEqual({
      type: 'section',
      text: md(`*${SUMMARY}*\nFiring since 2026-11-24 02:02 PST.`),
    });
  });

  it('escapes Slack control characters in mrkdwn but not in the plain-text header', () => {
    const p = buildPayload({ ...firing, summary: 'pods <none> & nodes > 3', details: '<!channel> ping' });
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':rotating_light: FIRING critical: pods <none> & nodes > 3', emoji: true } });
    expect(p.blocks[1]).toEqual({ type: 'section', text: md('*pods &lt;none&gt; &amp; nodes &gt; 3*\nFiring since 2026-11-24 10:02 UTC.') });
    expect(p.blocks[3]).toEqual({ type: 'section', text: md('&lt;!channel&gt; ping') });
    expect(p.text).toBe(':rotating_light: FIRING critical: pods &lt;none&gt; &amp; nodes &gt; 3\nFiring since 2026-11-24 10:02 UTC.');
  });

  it('makes hub text inert: no formatting, block quote, mention or auto-link, while snake_case and the runbook stay as written', () => {
    const hostile = 'hub says *URGENT* _now_ ~gone~ `rm -rf` @channel @here\n> quoted <https://evil.example|click>';
    const p = buildPayload({ ...firing, summary: 'pod binder_user_42 failed', details: hostile, runbook: ["kubectl get pods -o jsonpath='{.items[*].metadata.name}'"] });
    expect(p.blocks[1]).toEqual({ type: 'section', text: md('*pod binder_user_42 failed*\nFiring since 2026-11-24 10:02 UTC.') });
    expect(p.blocks[3]).toEqual({
      type: 'section',
      text: md('hub says \u2217URGENT\u2217 \uff3fnow\uff3f \u223cgone\u223c \uff40rm -rf\uff40 @\u2060channel @\u2060here\n\uff1e quoted &lt;https://evil.example|click&gt;'),
    });
    expect(p.blocks[4]).toEqual({ type: 'section', text: md("*Runbook*\n```\nkubectl get pods -o jsonpath='{.items[*].metadata.name}'\n```") });
  });

  it('keeps an oversized notification within every Block Kit limit, saying what it cut', () => {
    const huge: AlertNotification = {
      ...firing,
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
    const context = p.blocks.at(-1) as { elements: unknown[] };
    expect(context.elements).toHaveLength(10);
  });
});

describe('Slack buildThreadReply', () => {
  it('replies to a reminder with where it stands and the current numbers', () => {
    expect(buildThreadReply(repeat)).toEqual({
      text: ':rotating_light: STILL FIRING since 2026-11-24 10:02 UTC (1h5m).',
      blocks: [{ type: 'section', text: md(':rotating_light: STILL FIRING since 2026-11-24 10:02 UTC (1h5m).') }, EVIDENCE],
    });
  });

  it('replies to a resolution with how long it lasted', () => {
    expect(buildThreadReply(resolved)).toEqual({
      text: ':white_check_mark: Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).',
      blocks: [{ type: 'section', text: md(':white_check_mark: Resolved after 2h13m (firing since 2026-11-24 10:02 UTC).') }, EVIDENCE],
    });
  });
});

// The loopback Slack's checks are what the "Slack accepts it" tests rely on, so they must bite.
describe('the loopback Slack’s Block Kit rules', () => {
  const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
  it.each([
    [{ blocks: [header('x'.repeat(151))] }, 'blocks[0].text.text: 151 characters, more than 150'],
    [{ blocks: [{ type: 'header', text: md('*bold*') }] }, 'blocks[0].text.type: must be plain_text'],
    [{ blocks: [{ type: 'section', text: md('x'.repeat(3001)) }] }, 'blocks[0].text.text: 3001 characters, more than 3000'],
    [{ blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => md('f')) }] }, 'blocks[0].fields: 11 items, more than 10'],
    [{ blocks: [{ type: 'section', fields: [md('x'.repeat(2001))] }] }, 'blocks[0].fields[0].text: 2001 characters, more than 2000'],
    [{ blocks: [{ type: 'section' }] }, 'blocks[0]: needs text or fields'],
    [{ blocks: [{ type: 'section', text: md('') }] }, 'blocks[0].text.text: required, non-empty'],
    [{ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }] }, 'blocks[0].text.emoji: not allowed in a mrkdwn object'],
    [{ blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => md('c')) }] }, 'blocks[0].elements: 11 items, more than 10'],
    [{ blocks: [{ type: 'banner', text: md('x') }] }, 'blocks[0].type: unknown block type "banner"'],
    [{ blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, 'blocks: 51 blocks, more than 50'],
    [{ text: 'x'.repeat(40_001) }, 'text: 40001 characters, more than 40000'],
    [{}, 'no_text: neither text nor blocks'],
  ])('%#: refuses a payload Slack would refuse', (payload, error) => {
    expect(validateMessage(payload)).toContain(error);
  });

  it('accepts a minimal valid message', () => {
    expect(validateMessage({ text: 'hi', blocks: [header('hi'), { type: 'divider' }] })).toEqual([]);
  });
});
