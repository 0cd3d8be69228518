// Alerts during a maintenance window, through the whole run: held (recorded, not sent), and
// sent afterwards only if the condition outlasted the window.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { asAlertState } from '../../../shared/alerting/lifecycle.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { stateKeys } from '../../../shared/state/keys.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { jsonLogger } from '../../../shared/log.ts';
import { collector, MIN, noWait } from '../../helpers/pipeline.ts';

const START = Date.parse('2026-03-03T10:00:00Z');
const HUB = 'https://hub.example.org';

function setup(sick: (t: number) => boolean, windowHubs = ['hub.example.org']) {
  const console = collector();
  const config = parseConfig({
    displayTimeZone: 'UTC',
    checks: { binderHealth: { binderUrls: [HUB] } },
    maintenance: [
      { name: 'Hub upgrade', start: '2026-03-03T10:00:00Z', end: '2026-03-03T11:00:00Z', hubs: windowHubs, checks: ['binderHealth'] },
    ],
  });
  const deps: CheckDeps = {
    config,
    sources: {
      binderHealth: {
        async observe(r) {
          return { hubs: [{ binderUrl: HUB, checks: [{ service: 'Hub API', ok: !sick(r.now) }] }] };
        },
      },
    },
    store: new MemoryStore(),
    notifiers: [console],
    logger: jsonLogger(() => {}),
    retryPolicy: noWait,
  };
  let t = START - 10 * MIN;
  const runUntil = async (end: number) => {
    for (; t <= end; t += 2 * MIN) await runCheck('binderHealth', deps, t);
  };
  return { console, deps, runUntil };
}

const sent = (c: ReturnType<typeof collector>) => c.sent.map((n) => `${n.state} ${new Date(n.at).toISOString().slice(11, 16)}`);

describe('maintenance windows hold alerts', () => {
  it('send nothing for a problem that fires and resolves inside the window, and keep no debt', async () => {
    const { console, deps, runUntil } = setup((t) => t >= START + 10 * MIN && t < START + 40 * MIN);
    await runUntil(START + 90 * MIN);
    expect(sent(console)).toEqual([]);
    const state = asAlertState((await deps.store.get<unknown>(stateKeys.alert('binderHealth', 'health:hub.example.org')))?.value);
    expect(state?.owed).toEqual([]);
  });

  it('send the held alert after the window when the problem outlasts it, then its resolve', async () => {
    const { console, runUntil } = setup((t) => t >= START + 30 * MIN && t < START + 80 * MIN);
    await runUntil(START + 58 * MIN);
    expect(sent(console)).toEqual([]);
    await runUntil(START + 90 * MIN);
    // Fired at 10:32 (the second bad run), held until the first run after 11:00, resolved at 11:22.
    expect(sent(console)).toEqual(['firing 10:32', 'resolved 11:22']);
  });

  it('leave alerts of other hubs alone', async () => {
    const { console, runUntil } = setup((t) => t >= START + 10 * MIN && t < START + 40 * MIN, ['other.example.org']);
    await runUntil(START + 90 * MIN);
    expect(sent(console)).toEqual(['firing 10:12', 'resolved 10:42']);
  });
});
