import { describe, expect, it } from 'vitest';
import { detectFederation, rotationReasons } from '../../../shared/detectors/federation.ts';
import type { FederationObservation, MemberView } from '../../../shared/model.ts';

const V = { binderhub: '1.0.0' };
const member = (name: string, o: Partial<MemberView> = {}): MemberView => ({
  name,
  url: `https://${name}/`,
  weight: 1,
  prime: false,
  versions: V,
  health: [
    { service: 'Docker registry', ok: true },
    { service: 'Pod quota', ok: true, quota: { used: 50, total: 100 } },
  ],
  ...o,
});
const prime = member('prime', { prime: true });

describe('rotationReasons: the redirector rules', () => {
  it.each([
    ['in the rotation', member('a'), []],
    ['weight 0', member('a', { weight: 0 }), ['weight 0']],
    ['a failing check', member('a', { health: [{ service: 'Docker registry', ok: false }] }), ['/health failing: Docker registry']],
    [
      'pods within pod_headroom of the quota (its own ok ignored)',
      member('a', { health: [{ service: 'Pod quota', ok: true, quota: { used: 91, total: 100 } }] }),
      ['91 of 100 pods (within 10 of the quota)'],
    ],
    ['other versions', member('a', { versions: { binderhub: '1.1.0' } }), ["/versions differ from the prime prime's"]],
  ])('%s', (_, m, reasons) => expect(rotationReasons(m, prime, 10)).toEqual(reasons));

  it('cannot tell (undefined) without /health or without either /versions', () => {
    expect(rotationReasons(member('a', { health: undefined, healthError: 'x' }), prime, 10)).toBeUndefined();
    expect(rotationReasons(member('a', { versions: undefined }), prime, 10)).toBeUndefined();
    expect(rotationReasons(member('a'), { ...prime, versions: undefined }, 10)).toBeUndefined();
  });
});

const obs = (members: MemberView[], landing?: string): FederationObservation => ({
  frontDoor: 'https://front/',
  members,
  landings: landing ? [{ repo: 'gh/a/b/HEAD', member: landing }] : [],
  podHeadroom: 10,
  fillWarnWithinMs: 2 * 3_600_000,
});
const MIN = 60_000;

describe('detectFederation', () => {
  it('says since when a member has been on other versions, from its memory', () => {
    const skewed = member('a', { versions: { binderhub: '2' } });
    const first = detectFederation(obs([prime, skewed]), 10 * MIN);
    const later = detectFederation(obs([prime, skewed]), 40 * MIN, first.memory);
    expect(later.findings.find((f) => f.key === 'federation:rotation:a')?.summary).toMatch(/since 00:10 UTC/);
  });

  it('pages when the front door lands on a failing member, not when it lands on a healthy one', () => {
    const sick = member('a', { health: [{ service: 'Docker registry', ok: false }] });
    const door = (landing: string) =>
      detectFederation(obs([prime, sick], landing), 0).findings.find((f) => f.key === 'federation:front-door');
    expect(door('a')).toMatchObject({ status: 'problem', severity: 'critical' });
    expect(door('prime')).toMatchObject({ status: 'ok' });
  });

  it('forecasts the time to full from the growth of members steadily in the rotation', () => {
    let memory;
    let f;
    for (let t = 0; t <= 40; t += 2) {
      const used = t <= 30 ? 50 : 50 + (t - 30) * 2; // 2 pods/min per member from minute 30
      const at = (n: string) =>
        member(n, { prime: n === 'prime', health: [{ service: 'Pod quota', ok: true, quota: { used, total: 100 } }] });
      ({ findings: f, memory } = detectFederation(obs([at('prime'), at('b')]), t * MIN, memory));
    }
    const capacity = f!.find((x) => x.key === 'federation:capacity')!;
    // 2 × (100 − 10 − 70) = 40 free, growing 2 × 20/30 pods/min over the 30-minute window.
    expect(capacity).toMatchObject({
      status: 'problem',
      severity: 'warning',
      evidence: expect.objectContaining({ freePods: 40, timeToFullMin: 30 }),
    });
  });
});
