// Every text capped where it is made: a hub reporting 2,000 failing checks (well within
// the 256 KiB /health cap) gives a finding, an email and a Slack message of a few kB, not
// megabytes; upstream text cannot close the runbook's code block in Slack.
import { describe, expect, it } from 'vitest';
import { binderHealthSchema } from '../../../../shared/config/schema.ts';
import { detectBinderHealth } from '../../../../shared/detectors/binder-health.ts';
import { buildPayload as emailPayload } from '../../../../shared/alerting/notifiers/email.ts';
import { buildPayload as slackPayload } from '../../../../shared/alerting/notifiers/slack.ts';
import { TRUNCATION_NOTE } from '../../../../shared/alerting/notifiers/format.ts';
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';
import { firing } from '../../../helpers/alerts.ts';

const NOW = Date.UTC(2026, 11, 8, 3, 0);
const checks = Array.from({ length: 2000 }, (_, i) => ({ service: `registry-mirror-${String(i).padStart(4, '0')}`, ok: false }));
const [finding] = detectBinderHealth(
  {
    hubs: [{ binderUrl: 'https://mybinder.org', checks: [{ service: 'Pod quota', ok: true, quota: { used: 3, total: 100 } }, ...checks] }],
  },
  binderHealthSchema.parse({}),
  NOW,
).findings;
const asNotification = (f: typeof finding): AlertNotification => ({
  ...firing,
  check: f.check,
  key: f.key,
  title: f.title,
  summary: f.summary,
  evidence: f.evidence,
  runbook: f.runbook,
});

describe('2,000 failing /health checks', () => {
  it('are named three and "N more" in the title and summary, and twelve rows of evidence plus a count', () => {
    expect(finding.title).toBe('mybinder.org unhealthy: registry-mirror-0000, registry-mirror-0001, registry-mi…');
    expect(finding.summary).toBe(
      'mybinder.org reports unhealthy: registry-mirror-0000, registry-mirror-0001, registry-mirror-0002 and 1997 more',
    );
    expect(Object.keys(finding.evidence!)).toHaveLength(13);
    expect(finding.evidence!['more checks']).toBe('1989 (1988 failing)');
    expect(JSON.stringify(finding).length).toBeLessThan(3_000);
  });

  it('make an email of a few kB', () => {
    const m = emailPayload(asNotification(finding));
    expect(m.html.length + m.text.length).toBeLessThan(20_000);
  });
});

describe('evidence rows', () => {
  const many: AlertNotification = { ...firing, evidence: Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`row ${i}`, i])) };

  it('are capped in email as in Slack: 29 rows, then how many more', () => {
    const m = emailPayload(many);
    expect(m.text).toContain('  row 28: 28\n');
    expect(m.text).not.toContain('row 29');
    expect(m.text).toContain(`  16 more ${TRUNCATION_NOTE}`);
    expect(m.html).toContain(`<em>16 more ${TRUNCATION_NOTE}</em>`);
    const fields = slackPayload(many).blocks.flatMap((b) => ('fields' in b ? b.fields : []));
    expect(fields).toHaveLength(30);
    expect(fields[29].text).toBe(`_16 more ${TRUNCATION_NOTE}_`);
  });
});

describe('the runbook code block in Slack', () => {
  it('cannot be closed by upstream text: a run of backticks becomes look-alikes', () => {
    const n: AlertNotification = { ...firing, runbook: ['kubectl -n prod get pods   # hub said: ```\n*bold* <!channel>', 'echo `date`'] };
    const runbook = slackPayload(n).blocks.find((b) => 'text' in b && b.text.text.startsWith('*Runbook*')) as { text: { text: string } };
    expect(runbook.text.text.match(/```/g)).toHaveLength(2);
    expect(runbook.text.text.startsWith('*Runbook*\n```\n')).toBe(true);
    expect(runbook.text.text.endsWith('\n```')).toBe(true);
    expect(runbook.text.text).toContain('hub said: \uff40\uff40\uff40');
    // A single backtick (shell command substitution) is left as written.
    expect(runbook.text.text).toContain('echo `date`');
  });
});
