import { describe, expect, it } from 'vitest';
import { alertRuleSchema, type Silence } from '../../../shared/config/schema.ts';
import { initialAlertState, nextAlertState, globMatch, type AlertState } from '../../../shared/alerting/lifecycle.ts';
import type { Finding, FindingStatus } from '../../../shared/model.ts';
import type { AlertNotification } from '../../../shared/alerting/notifier.ts';

const MIN = 60_000;
const T0 = Date.UTC(2018, 0, 18, 12, 0);

function finding(status: FindingStatus, severity: Finding['severity'] = 'critical'): Finding {
  return {
    check: 'launchProbe',
    key: 'launch:hub:repo',
    status,
    severity,
    title: `Title while ${status}`,
    summary: `it is ${status}`,
    runbook: ['kubectl get pods'],
  };
}

/** Runs a sequence of statuses one minute apart; returns each step's notifications as "state/status". */
function run(
  statuses: (FindingStatus | [FindingStatus, Finding['severity']])[],
  rule = {},
  opts: { silences?: Silence[]; dependencyFiring?: boolean; state?: AlertState } = {},
) {
  const r = alertRuleSchema.parse({ repeatInterval: '1h', ...rule });
  let state = opts.state ?? initialAlertState('launch:hub:repo', 'launchProbe');
  const steps: string[][] = [];
  statuses.forEach((s, i) => {
    const [status, severity] = Array.isArray(s) ? s : [s, 'critical' as const];
    const t = nextAlertState(state, finding(status, severity), {
      rule: r,
      now: T0 + i * MIN,
      silences: opts.silences ?? [],
      dependencyFiring: opts.dependencyFiring ?? false,
    });
    state = t.state;
    steps.push(t.notifications.map((n) => `${n.state}/${n.status}/${n.severity}`));
  });
  return { steps, state };
}

describe('alert lifecycle', () => {
  it('goes pending on the first problem and fires once after failuresToFire consecutive problems', () => {
    const { steps, state } = run(['problem', 'problem', 'problem', 'problem']);
    expect(steps).toEqual([[], ['firing/problem/critical'], [], []]);
    expect(state.phase).toBe('firing');
    expect(state.firing?.since).toBe(T0); // since the first problem, not the run that fired
  });

  it('returns to ok when a single problem is followed by ok (no flapping alert)', () => {
    const { steps, state } = run(['problem', 'ok', 'problem', 'ok']);
    expect(steps.flat()).toEqual([]);
    expect(state.phase).toBe('ok');
  });

  it('fires on N problems among the last M runs, catching intermittent failure', () => {
    const { steps } = run(['problem', 'ok', 'problem', 'ok', 'problem'], { failuresToFire: 3, ofLastRuns: 5 });
    expect(steps).toEqual([[], [], [], [], ['firing/problem/critical']]);
  });

  it('needs successesToResolve consecutive oks to resolve, and says how long it lasted', () => {
    const r = alertRuleSchema.parse({ successesToResolve: 3 });
    let state = initialAlertState('k', 'launchProbe');
    const seq: FindingStatus[] = ['problem', 'problem', 'ok', 'ok', 'problem', 'ok', 'ok', 'ok'];
    const out: string[] = [];
    seq.forEach((s, i) => {
      const t = nextAlertState(state, finding(s), { rule: r, now: T0 + i * MIN, silences: [], dependencyFiring: false });
      state = t.state;
      for (const n of t.notifications) out.push(`${i}:${n.state}:${n.durationMs ?? ''}`);
    });
    // Lasted from the firing (minute 1), not from the first problem.
    expect(out).toEqual(['1:firing:', `7:resolved:${6 * MIN}`]);
    expect(state.phase).toBe('ok');
  });

  it('carries the title; a resolve says why in the words of the finding that resolved it, and which incident it ends', () => {
    const r = alertRuleSchema.parse({ successesToResolve: 2 });
    let state = initialAlertState('k', 'launchProbe');
    const out: Partial<AlertNotification>[] = [];
    (['problem', 'problem', 'ok', 'ok'] as const).forEach((s, i) => {
      const f = { ...finding(s), evidence: { pods: s === 'ok' ? 40 : 12 } };
      const t = nextAlertState(state, f, { rule: r, now: T0 + i * 35 * MIN, silences: [], dependencyFiring: false });
      state = t.state;
      out.push(
        ...t.notifications.map(({ state, title, summary, firingSince, pendingSince, evidence, previousEvidence, incident }) => ({
          state,
          title,
          summary,
          firingSince,
          pendingSince,
          evidence,
          previousEvidence,
          incident,
        })),
      );
    });
    const fired = new Date(T0 + 35 * MIN).toISOString();
    expect(out).toEqual([
      {
        state: 'firing',
        title: 'Title while problem',
        summary: 'it is problem',
        // "Firing since" is the firing time; the pending time is said apart.
        firingSince: fired,
        pendingSince: new Date(T0).toISOString(),
        evidence: { pods: 12 },
        previousEvidence: undefined,
        incident: undefined,
      },
      {
        state: 'resolved',
        title: 'Title while ok',
        summary: 'Resolved after 1h10m: it is ok',
        firingSince: fired,
        pendingSince: new Date(T0).toISOString(),
        evidence: { pods: 40 },
        previousEvidence: { pods: 12 },
        incident: { title: 'Title while problem', since: fired },
      },
    ]);
  });

  it('never counts unknown as ok: a firing alert stays firing through unknown runs', () => {
    const { steps, state } = run(['problem', 'problem', 'unknown', 'ok', 'unknown', 'ok', 'ok']);
    expect(steps.flat()).toEqual(['firing/problem/critical', 'resolved/problem/critical']);
    expect(steps[6]).toEqual(['resolved/problem/critical']);
    expect(state.phase).toBe('ok');
  });

  it('fires a "cannot see" alert after unknownToFire consecutive unknowns, and resolves when data returns', () => {
    const { steps } = run(['unknown', 'unknown', 'unknown', 'ok', 'ok'], { unknownToFire: 3 });
    expect(steps).toEqual([[], [], ['firing/unknown/critical'], [], ['resolved/unknown/critical']]);
  });

  it('turns a blind alert into a problem alert when the data comes back bad', () => {
    const { steps } = run(['unknown', 'unknown', 'problem', 'problem'], { unknownToFire: 2 });
    expect(steps).toEqual([[], ['firing/unknown/critical'], [], ['firing/problem/critical']]);
  });

  it('reminds after repeatInterval while firing, each reminder waiting twice as long as the last, up to 8 times it', () => {
    const statuses = Array.from({ length: 60 * 32 }, () => 'problem' as const);
    const { steps } = run(statuses, { repeatInterval: '1h' });
    const at = steps.flatMap((s, i) => s.map((x) => `${i / 60}h:${x.split('/')[0]}`));
    // Fired at minute 1; reminders 1h, 2h, 4h, 8h, 8h after the one before.
    expect(at).toEqual([
      '0.016666666666666666h:firing',
      '1.0166666666666666h:repeat',
      '3.0166666666666666h:repeat',
      '7.016666666666667h:repeat',
      '15.016666666666667h:repeat',
      '23.016666666666666h:repeat',
      '31.016666666666666h:repeat',
    ]);
  });

  it('notifies again when a warning escalates to critical', () => {
    const { steps } = run([
      ['problem', 'warning'],
      ['problem', 'warning'],
      ['problem', 'critical'],
      ['problem', 'critical'],
    ]);
    expect(steps).toEqual([[], ['firing/problem/warning'], ['firing/problem/critical'], []]);
  });

  it('sends nothing while silenced, and the FIRING once the silence ends if still firing', () => {
    const silences = [{ match: 'launch:hub:*', until: T0 + 3 * MIN, reason: 'maintenance' }];
    const { steps } = run(['problem', 'problem', 'problem', 'problem', 'problem'], {}, { silences });
    expect(steps).toEqual([[], [], [], ['firing/problem/critical'], []]);
  });

  it('does not notify the resolution of an alert whose firing was silenced', () => {
    const silences = [{ match: '*', until: T0 + 60 * MIN, reason: 'x' }];
    const { steps } = run(['problem', 'problem', 'ok', 'ok'], {}, { silences });
    expect(steps.flat()).toEqual([]);
  });

  it('holds back creation while a dependency fires, but never the resolution', () => {
    const held = run(['problem', 'problem', 'problem'], {}, { dependencyFiring: true });
    expect(held.steps.flat()).toEqual([]);
    expect(held.state.heldBack).toBe(true);
    const firing = run(['problem', 'problem'], {}).state;
    const resolved = run(['ok', 'ok'], {}, { dependencyFiring: true, state: firing });
    expect(resolved.steps.flat()).toEqual(['resolved/problem/critical']);
  });

  it('fires after pendingFor even when fewer than failuresToFire runs saw it', () => {
    const r = alertRuleSchema.parse({ failuresToFire: 10, pendingFor: '10m' });
    let state = initialAlertState('k', 'launchProbe');
    const fired: number[] = [];
    for (const [i, minute] of [0, 5, 10].entries()) {
      const t = nextAlertState(state, finding('problem'), { rule: r, now: T0 + minute * MIN, silences: [], dependencyFiring: false });
      state = t.state;
      if (t.notifications.length) fired.push(i);
    }
    expect(fired).toEqual([2]);
  });

  it('gives each notification a distinct id', () => {
    // Fired at minute 1, reminded at 31 and 91 (the second reminder waits twice as long).
    const statuses = Array.from({ length: 100 }, () => 'problem' as const);
    const r = alertRuleSchema.parse({ repeatInterval: '30m' });
    let state = initialAlertState('k', 'launchProbe');
    const ids = new Set<string>();
    statuses.forEach((s, i) => {
      const t = nextAlertState(state, finding(s), { rule: r, now: T0 + i * MIN, silences: [], dependencyFiring: false });
      state = t.state;
      t.notifications.forEach((n) => ids.add(n.id));
    });
    expect(ids.size).toBe(3);
  });
});

describe('silence globs', () => {
  it.each([
    ['node:gke-prod-*', 'node:gke-prod-a-ssd-pool-972e4826-2fhq', true],
    ['node:gke-prod-*', 'headroom:prod/user-pool', false],
    ['launch:mybinder.org:gh/*', 'launch:mybinder.org:gh/binder-examples/requirements/HEAD', true],
    ['launch:?ybinder.org:*', 'launch:mybinder.org:x', true],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(globMatch(pattern, key)).toBe(expected);
  });
});

describe('a re-fire soon after a resolve', () => {
  /** Statuses one per `everyMin` minutes from T0; every notification sent. */
  function notificationsOf(statuses: FindingStatus[], everyMin: number): AlertNotification[] {
    const rule = alertRuleSchema.parse({});
    let state = initialAlertState('launch:hub:repo', 'launchProbe');
    const out: AlertNotification[] = [];
    statuses.forEach((s, i) => {
      const t = nextAlertState(state, finding(s), { rule, now: T0 + i * everyMin * MIN, silences: [], dependencyFiring: false });
      state = t.state;
      out.push(...t.notifications);
    });
    return out;
  }
  const episode = (gap: number): FindingStatus[] => [
    ...Array<FindingStatus>(3).fill('problem'),
    ...Array<FindingStatus>(gap).fill('ok'),
    ...Array<FindingStatus>(3).fill('problem'),
  ];

  it('within an hour reopens the same incident: same firing time (same thread), saying it is back', () => {
    // 5-minute runs: fires, resolves on the ok runs, and fires again 30 minutes after the last problem.
    const sent = notificationsOf(episode(6), 5);
    expect(sent.map((n) => n.state)).toEqual(['firing', 'resolved', 'firing']);
    const [first, resolved, again] = sent;
    expect(again.firingSince).toBe(first.firingSince);
    expect(again.id.split('#')[0]).toBe(first.id.split('#')[0]);
    expect(again.reopenedAfter).toBe(resolved.at);
    expect(first.reopenedAfter).toBeUndefined();
  });

  it('after more than an hour is a new incident', () => {
    const sent = notificationsOf(episode(16), 5);
    expect(sent.map((n) => n.state)).toEqual(['firing', 'resolved', 'firing']);
    expect(sent[2].firingSince).not.toBe(sent[0].firingSince);
    expect(sent[2].reopenedAfter).toBeUndefined();
  });
});
