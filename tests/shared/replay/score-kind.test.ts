import { describe, expect, it } from 'vitest';
import type { ReplayAlert } from '../../../shared/replay/replay.ts';
import { scoreByKind } from '../../../shared/replay/score-kind.ts';
import { parseTruth, score, type Truth } from '../../../shared/replay/score.ts';

const T = (hhmm: string) => `2026-06-02T${hhmm}:00.000Z`;

function alert(
  at: string,
  check: ReplayAlert['check'],
  state: ReplayAlert['state'] = 'firing',
  severity: ReplayAlert['severity'] = 'critical',
  key = `${check}:x`,
): ReplayAlert {
  return { at: T(at), check, key, state, status: 'problem', severity, summary: '' };
}

const truth = (...incidents: Truth['incidents']): Truth => ({ incidents });

describe('scoreByKind', () => {
  it('counts an alert inside another kind’s window as false, a page and a warning apart', () => {
    const s = scoreByKind(
      [alert('10:20', 'trafficVsPods'), alert('10:25', 'launchProbe', 'firing', 'warning'), alert('10:30', 'clusterHealth')],
      truth({ kind: 'sick-node', onset: T('10:00'), end: T('11:00') }),
    );
    expect(s.falsePages.map((a) => a.check)).toEqual(['trafficVsPods']);
    expect(s.falseWarnings.map((a) => a.check)).toEqual(['launchProbe']);
    expect(s.incidents[0].timeToDetectMs).toBe(30 * 60_000);
    // The old scorer forgives both: any window will do.
    expect(score([alert('10:20', 'trafficVsPods')], truth({ kind: 'sick-node', onset: T('10:00'), end: T('11:00') })).falseAlerts).toEqual(
      [],
    );
  });

  it('lets an optional window excuse an alert of its kind without owing one', () => {
    const t = truth(
      { kind: 'launch-failure', onset: T('10:00'), end: T('10:30'), optional: true },
      { kind: 'headroom', onset: T('12:00'), end: T('12:30'), optional: true },
    );
    const s = scoreByKind([alert('10:10', 'launchProbe')], t);
    expect(s.falsePages).toEqual([]);
    expect(s.incidents.map((i) => [i.kind, i.optional, i.detectedAt !== undefined])).toEqual([
      ['launch-failure', true, true],
      ['headroom', true, false],
    ]);
  });

  it('counts a re-fire 40 min after the window closed as false (15 min of tolerance, no more)', () => {
    const t = truth({ kind: 'launch-failure', onset: T('10:00'), end: T('11:00') });
    const s = scoreByKind([alert('10:05', 'launchProbe'), alert('10:30', 'launchProbe', 'resolved'), alert('11:40', 'launchProbe')], t);
    expect(s.falsePages.map((a) => a.at)).toEqual([T('11:40')]);
    expect(s.incidents[0].resolvedEarlyAt).toBe(T('10:30'));
  });

  it('counts an incident already alerted by an open alert of its kind as detected at onset, not before', () => {
    const t = truth({ kind: 'headroom', onset: T('12:00'), end: T('13:00') });
    const s = scoreByKind([alert('10:00', 'nodeHeadroom', 'firing', 'warning')], t);
    expect(s.incidents[0]).toMatchObject({ alreadyOpen: true, timeToDetectMs: 0, detectedAt: T('12:00') });
    expect(s.falseWarnings).toHaveLength(1);
    const resolved = scoreByKind([alert('10:00', 'nodeHeadroom'), alert('11:00', 'nodeHeadroom', 'resolved')], t);
    expect(resolved.incidents[0].detectedAt).toBeUndefined();
  });

  it('counts the notifications of the busiest condition in a day (flapping)', () => {
    const flaps = ['10:00', '10:10', '10:20', '10:30'].flatMap((h, i) => [alert(h, 'launchProbe', i % 2 ? 'resolved' : 'firing')]);
    const s = scoreByKind([...flaps, alert('11:00', 'trafficVsPods')], truth());
    expect(s.maxNotificationsPerConditionDay).toBe(4);
  });
});

describe('truth files', () => {
  it('read an optional flag, and files without one as before', () => {
    const plain = parseTruth(JSON.stringify({ incidents: [{ kind: 'headroom', onset: T('10:00'), end: T('11:00') }] }));
    expect(plain.incidents[0].optional).toBeUndefined();
    const opt = parseTruth(JSON.stringify({ incidents: [{ kind: 'headroom', onset: T('10:00'), end: T('11:00'), optional: true }] }));
    expect(opt.incidents[0].optional).toBe(true);
    expect(() =>
      parseTruth(JSON.stringify({ incidents: [{ kind: 'headroom', onset: T('10:00'), end: T('11:00'), optional: 'yes' }] })),
    ).toThrow(/optional/);
    expect(score([], opt).incidents[0].optional).toBe(true);
  });
});
