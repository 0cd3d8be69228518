// Every stored object, replaced by random JSON after real runs, costs a check at most
// one run: the 2018 night is replayed into a store, then any of the keys it holds is
// overwritten with arbitrary JSON and every check runs twice. On the second run no check
// is blind ("cannot see"), and each still reports what a store never damaged makes it report.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.ts';
import { CHECK_NAMES, sourceFindingKey, type CheckName } from '../../../shared/model.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { parseScenario } from '../../../shared/scenario/openmetrics.ts';
import { scenarioSources } from '../../../shared/scenario/replay-source.ts';
import { jsonLogger, silentLogger } from '../../../shared/log.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import type { StateStore } from '../../../shared/state/store.ts';
import { collector, noWait } from '../../helpers/pipeline.ts';

const FILE = 'infra/scenarios/mybinder-2018-01-18.om';
const MIN = 60_000;
/** 21:30 UTC, the levelling-off well under way: every check has memory, charts and alerts by then. */
const T = Date.parse('2018-01-17T21:30:00Z');

describe('a stored object of any shape', async () => {
  const data = parseScenario(readFileSync(FILE, 'utf8'), FILE);
  const config = parseConfig({ alerting: { state: { type: 'memory' } } });
  const sources = scenarioSources(data, { binderUrl: config.checks.launchProbe.targets[0]?.binderUrl });
  const checks = CHECK_NAMES.filter((c) => config.checks[c].enabled && sources[c]);

  /** A logger that keeps the keys of ERROR lines. */
  const keysLoggedIn = (errors: string[]) =>
    jsonLogger((l) => {
      const line = JSON.parse(l) as { severity: string; key?: string };
      if (line.severity === 'ERROR') errors.push(String(line.key));
    });
  // A channel that draws charts, so the runs keep chart history too.
  const deps = (store: StateStore): CheckDeps => ({
    config,
    sources,
    store,
    notifiers: [collector('slack', { drawsCharts: true })],
    logger: silentLogger,
    retryPolicy: noWait,
    runId: 'property',
  });

  /** The store after a real hour of runs (every check every 5 minutes). */
  const seeded = new MemoryStore();
  for (let now = T - 60 * MIN; now <= T; now += 5 * MIN) for (const c of checks) await runCheck(c, deps(seeded), now);
  const keys = await seeded.list('');
  const copy = async (errors: string[] = []) => {
    const store = new MemoryStore(keysLoggedIn(errors));
    for (const k of keys) await store.put(k, (await seeded.get(k))!.value, null);
    return store;
  };

  /** What each check's findings say on its second run after T, as `key status` lines. */
  async function secondRuns(store: StateStore): Promise<Map<CheckName, string[]>> {
    const out = new Map<CheckName, string[]>();
    for (const now of [T + 5 * MIN, T + 10 * MIN])
      for (const c of checks) {
        const r = await runCheck(c, deps(store), now);
        out.set(c, r.findings.map((f) => `${f.key} ${f.status}`).sort());
      }
    return out;
  }
  const undamaged = await secondRuns(await copy());

  it('holds keys of every kind the runs write', () => {
    for (const prefix of ['alert/', 'run/', 'memory/trafficVsPods', 'memory/launchProbe', 'chart/'])
      expect(keys.some((k) => k.startsWith(prefix))).toBe(true);
  });

  /** Every path into a stored value (to depth 4), to damage one field of it at a time. */
  const pathsOf = (v: unknown, depth = 4): string[][] =>
    v && typeof v === 'object' && depth > 0
      ? Object.entries(v).flatMap(([k, inner]) => [[k], ...pathsOf(inner, depth - 1).map((p) => [k, ...p])])
      : [];
  const withAt = (v: unknown, path: string[], replacement: unknown): unknown => {
    if (!path.length) return replacement;
    const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string, unknown>;
    copy[path[0]] = withAt(copy[path[0]], path.slice(1), replacement);
    return copy;
  };
  /** One key's damage: the whole value replaced by random JSON, or one field of it anywhere inside. */
  const damage = (key: string) =>
    fc
      .oneof(
        fc.jsonValue().map((v) => () => v),
        fc.tuple(fc.nat(), fc.jsonValue()).map(([n, v]) => (stored: unknown) => {
          const paths = pathsOf(stored);
          return paths.length ? withAt(stored, paths[n % paths.length], v) : v;
        }),
      )
      .map((f) => [key, f] as const);

  it('blinds and silences no check past its first run, and each wrong shape is logged at ERROR with its key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1 }).chain((ks) => fc.tuple(...ks.map(damage))),
        async (damaged) => {
          const errors: string[] = [];
          const store = await copy(errors);
          for (const [k, f] of damaged) {
            const current = await store.get(k);
            await store.put(k, f(current?.value), current?.version ?? null);
          }
          const after = await secondRuns(store);
          for (const c of checks) {
            const findings = after.get(c)!;
            expect(findings, c).not.toContain(`${sourceFindingKey(c)} unknown`);
            expect(findings, c).toEqual(undamaged.get(c));
          }
          for (const k of errors) expect(damaged.map(([d]) => d)).toContain(k);
        },
      ),
      { numRuns: 60 },
    );
  }, 600_000);
});
