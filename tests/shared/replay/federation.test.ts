// The committed federation scenario through `binderwatch replay --format jsonl`: the failing
// member, then the member left on other versions, then the federation's time-to-full,
// each notification with its member where it belongs to one.
import { describe, expect, it } from 'vitest';
import type { ReplayAlert } from '../../../shared/replay/replay.ts';
import { runCli } from '../../helpers/cli.ts';
import { FEDERATION_SCENARIO, federationScenario } from '../../../infra/scenarios/generate-federation.ts';
import { readFileSync } from 'node:fs';

const FILE = `${FEDERATION_SCENARIO}.om`;

describe('replay of a federation of three members', () => {
  it('is exactly what its generator writes', () => {
    const { om, truth } = federationScenario();
    expect(readFileSync(FILE, 'utf8')).toBe(om);
    expect(readFileSync(`${FEDERATION_SCENARIO}.truth.json`, 'utf8')).toBe(truth);
  });

  it('names the failing member, the skew and the time-to-full in that order, each with its member', async () => {
    const { code, stdout } = await runCli(['replay', FILE, '--format', 'jsonl']);
    expect(code).toBe(0);
    const alerts = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReplayAlert);
    const firing = alerts.filter((a) => a.state === 'firing');
    const first = (p: (a: ReplayAlert) => boolean) => firing.findIndex(p);

    const failing = first((a) => a.member === 'gesis' && a.check === 'binderHealth' && /Docker registry/.test(a.summary));
    const frontDoor = first((a) => a.key === 'federation:front-door');
    const skew = first((a) => a.key === 'federation:rotation:bids');
    const full = first((a) => a.key === 'federation:capacity' && Date.parse(a.at) >= Date.parse(firing[skew]?.at ?? ''));
    expect([failing, frontDoor, skew, full].every((i) => i >= 0)).toBe(true);
    expect(failing).toBeLessThan(skew);
    expect(skew).toBeLessThan(full);
    expect(firing[frontDoor]).toMatchObject({ severity: 'critical', title: 'Front door sends launches to failing gesis' });
    expect(firing[skew]).toMatchObject({ member: 'bids', at: '2026-11-10T11:02:00.000Z' });
    expect(firing[skew].summary).toMatch(/\/versions differ from the prime twoi2c's since 11:00 UTC/);
    expect(firing[full].title).toMatch(/^Federation full in ~\d+ min/);
    // Member findings carry their member and name it first; the federation-wide front door and capacity have none.
    for (const a of alerts) {
      if (a.key === 'federation:capacity' || a.key === 'federation:front-door') expect(a.member).toBeUndefined();
      else expect(a.member, a.key).toMatch(/^(twoi2c|gesis|bids)$/);
      if (!a.key.startsWith('federation:')) expect(a.title?.startsWith(`${a.member}: `)).toBe(true);
    }
  }, 120_000);

  it('keeps a single-hub scenario free of members', async () => {
    const { stdout } = await runCli(['replay', 'infra/scenarios/normal-day.om', '--format', 'jsonl']);
    for (const line of stdout.trim().split('\n').filter(Boolean)) expect(JSON.parse(line)).not.toHaveProperty('member');
  }, 120_000);
});
