// Stage 2b, SLO: the launch probe's runs feed each hub's daily SLI rollup (compare-and-swap
// in the state store), and each hub's SLOs are judged for burn-rate alerts (slo/burn.ts,
// pure). Its findings join the detector's and go through the same alert lifecycle.
import { hubOf } from '../detectors/launch-probe.ts';
import type { Finding, LaunchProbeObservation, ProbeResult } from '../model.ts';
import { formatDuration } from '../duration.ts';
import { evaluateSlo, type SliKind, type SloSpec } from '../slo/burn.ts';
import type { SloConfig } from '../slo/config.ts';
import { sloFinding, windowText } from '../slo/findings.ts';
import { recordEvents, rollupLost, type Rollup, type SliEvent } from '../slo/rollup.ts';
import type { Run } from './run.ts';
import type { Config } from '../config/schema.ts';
import { activeOccurrence, coversHub } from '../maintenance.ts';

/** Phases after `ready`: contacting and stopping the server are the probe's own work, not the user's wait. */
const NOT_LAUNCH = new Set(['contact', 'stop']);

/** A probe run as an SLI event; a run that could not look (unknownReason) is no event. */
export function sliEvent(r: ProbeResult): SliEvent | undefined {
  if (r.unknownReason) return undefined;
  const ms = r.durations && Object.entries(r.durations).reduce((a, [phase, d]) => (NOT_LAUNCH.has(phase) ? a : a + d), 0);
  return { repo: r.repo, at: r.at, ok: r.ok, ...(r.ok && ms !== undefined ? { launchS: ms / 1000 } : {}) };
}

export function sloSpecs(cfg: SloConfig): SloSpec[] {
  return [
    { kind: 'success', objective: cfg.success.objective, windowMs: cfg.window, minFailures: cfg.minFailures },
    { kind: 'latency', objective: cfg.launchTime.objective, windowMs: cfg.window, minFailures: cfg.minFailures },
  ];
}

export function objectiveText(cfg: SloConfig, kind: SliKind): string {
  const window = windowText(cfg.window);
  return kind === 'success'
    ? `${cfg.success.objective * 100} % over ${window}`
    : `${cfg.launchTime.objective * 100} % within ${formatDuration(cfg.launchTime.within)} over ${window}`;
}

/** Whether a maintenance window covering the hub's launch probe was active at `t` (the SLO leaves it out). */
export function inMaintenance(config: Config, hub: string, t: number): boolean {
  return config.maintenance.some(
    (w) => coversHub(w, hub) && (!w.checks || w.checks.includes('launchProbe')) && activeOccurrence(w, t, config.displayTimeZone),
  );
}

/** A lost history rebuilt where the deps can (a failed rebuild is logged and the history starts afresh). */
async function rebuilt(run: Run, hub: string): Promise<Rollup | undefined> {
  const { rebuildSli, store, config, logger } = run.deps;
  if (!rebuildSli || !(await rollupLost(store, hub))) return undefined;
  try {
    const rollup = await rebuildSli(config, hub, run.now);
    logger.log('NOTICE', rollup ? 'SLI history rebuilt from Prometheus' : 'Prometheus holds no launches: SLI history starts afresh', {
      hub,
      ...(rollup && { since: new Date(rollup.since).toISOString(), days: rollup.days.length }),
    });
    return rollup;
  } catch (e) {
    logger.log('WARNING', 'SLI history not rebuilt from Prometheus: starting afresh', {
      hub,
      error: e instanceof Error ? e.message : String(e),
    });
    return undefined;
  }
}

/** Records this run's probe results per hub and returns each hub's SLO findings. */
export async function slo(run: Run, observation: LaunchProbeObservation | undefined): Promise<Finding[]> {
  const { config } = run.deps;
  const cfg = config.slo;
  if (run.check !== 'launchProbe' || !cfg.enabled || !observation) return [];
  const keep = (e: SliEvent, hub: string) => cfg.includeMaintenance || !inMaintenance(config, hub, e.at);
  const byHub = new Map<string, SliEvent[]>();
  for (const r of observation.results) {
    const hub = hubOf(r.binderUrl);
    const e = sliEvent(r);
    if (!byHub.has(hub)) byHub.set(hub, []);
    if (e && keep(e, hub)) byHub.get(hub)!.push(e);
  }
  const findings: Finding[] = [];
  for (const [hub, events] of byHub) {
    const opts = { slowAfterS: cfg.launchTime.within / 1000, now: run.now, logger: run.deps.logger, fresh: await rebuilt(run, hub) };
    const rollup = await recordEvents(run.deps.store, hub, events, opts);
    for (const spec of sloSpecs(cfg)) findings.push(sloFinding(hub, evaluateSlo(rollup, spec, run.now), objectiveText(cfg, spec.kind)));
  }
  return findings;
}
