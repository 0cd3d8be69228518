// The one path every caller takes: the Cloud Function, the CLI and the replay.
// observe (I/O, through the injected sources) → detect (pure) → lifecycle (pure,
// persisted with compare-and-swap) → delivery. Only `deps` differ between callers.
import { randomUUID } from 'node:crypto';
import type { Config, AlertRule } from '../config/schema.ts';
import { detectors } from '../detectors/index.ts';
import type { TrafficMemory } from '../detectors/traffic-vs-pods.ts';
import { ConflictError, UpstreamError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { shortTitle, type BandPoint, type CheckName, type Finding, type FindingStatus, type ObservationByCheck } from '../model.ts';
import { LIMITS } from '../limits.ts';
import { cleanText, withSecretScope } from '../redact.ts';
import type { Sources } from '../sources/source.ts';
import { CLAIM_TTL_MS, defaultRetryPolicy, deliverOwed, type DeliveryReport, type RetryPolicy } from '../alerting/deliver.ts';
import { asAlertState, initialAlertState, nextAlertState } from '../alerting/lifecycle.ts';
import type { AlertNotification, Notifier } from '../alerting/notifier.ts';
import type { AlertChart, ChartPoints } from '../alerting/chart.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import type { RunOutcome, Telemetry } from '../telemetry/telemetry.ts';
import { stateKeys } from '../state/keys.ts';

export interface CheckDeps {
  config: Config;
  sources: Sources;
  store: StateStore;
  notifiers: Notifier[];
  logger: Logger;
  telemetry?: Telemetry;
  retryPolicy?: RetryPolicy;
  /** Identifies this run in delivery claims; random by default. */
  runId?: string;
}


export interface CheckRunResult {
  check: CheckName;
  outcome: Exclude<RunOutcome, 'error'>;
  findings: Finding[];
  /** Notifications this run created (whatever their delivery). */
  notifications: AlertNotification[];
  delivery: DeliveryReport;
  /** The detector's expected band, when it has one (see DetectorResult). */
  band?: BandPoint[];
}

const CHANNEL_KEY_PREFIX = 'channel:';

export function ruleFor(config: Config, check: CheckName): AlertRule {
  return { ...config.alerting.defaults, ...(config.checks[check].alert ?? {}) } as AlertRule;
}

/** Channels a notification goes to: its severity's routes, minus a channel reporting on itself. */
export function routeChannels(config: Config, n: AlertNotification, configured: Set<string>): string[] {
  if (n.key.startsWith(CHANNEL_KEY_PREFIX)) {
    const broken = n.key.slice(CHANNEL_KEY_PREFIX.length);
    return [...configured].filter((c) => c !== broken);
  }
  const channels = config.alerting.routes.filter((r) => r.severity === n.severity).flatMap((r) => r.channels);
  return [...new Set(channels)].filter((c) => configured.has(c));
}

function outcomeOf(findings: Finding[]): 'ok' | 'problem' | 'unknown' {
  const statuses = new Set<FindingStatus>(findings.map((f) => f.status));
  return statuses.has('problem') ? 'problem' : statuses.has('unknown') ? 'unknown' : 'ok';
}

function blindFinding(check: CheckName, error: unknown): Finding {
  const upstream = error instanceof UpstreamError ? error.upstream : 'source';
  const message = cleanText(error instanceof Error ? error.message : String(error), LIMITS.errorTextChars);
  return {
    check,
    key: `${check}:source`,
    status: 'unknown',
    severity: 'warning',
    title: shortTitle(`${check} cannot see ${upstream}`),
    summary: `${check} cannot see ${upstream}: ${message}`,
    runbook: [`binderwatch check ${check} --config <your config>  # run it by hand and read the error`],
  };
}

interface RunMemo {
  lastRunAt: number;
}

/** One run of one check; secrets met during it (a launched server's token …) are masked until it ends, then released. */
export function runCheck(check: CheckName, deps: CheckDeps, now: number): Promise<CheckRunResult> {
  return withSecretScope(() => runCheckInScope(check, deps, now));
}

async function runCheckInScope(check: CheckName, deps: CheckDeps, now: number): Promise<CheckRunResult> {
  const { config, store, logger } = deps;
  const cfg = config.checks[check];
  const source = deps.sources[check];
  const empty: DeliveryReport = { delivered: [], failed: [] };
  if (!cfg.enabled || !source) return { check, outcome: 'skipped', findings: [], notifications: [], delivery: empty };
  const detector = detectors[check];
  const runId = deps.runId ?? randomUUID();

  const memo = await store.get<RunMemo>(stateKeys.lastRun(check));
  const memory = await store.get<unknown>(stateKeys.memory(check));
  let findings: Finding[];
  let band: BandPoint[] | undefined;
  let remember: unknown;
  const charts = new Map<string, AlertChart>();
  try {
    const observation = await (source as { observe: (r: object) => Promise<unknown> }).observe({
      now,
      lookbackMs: detector.lookbackMs(cfg as never),
      stepMs: 60_000,
      previousRunAt: memo?.value.lastRunAt,
      historyRanges: detector.historyRanges?.(cfg as never, now, memory?.value),
    });
    if (check === 'launchProbe') {
      const probes = observation as ObservationByCheck['launchProbe'];
      if (deps.telemetry) for (const r of probes.results) await deps.telemetry.recordProbe(r);
      // The traffic check's last verdict corroborates a failing probe (critical) or not (warning).
      probes.traffic ??= (await store.get<TrafficMemory>(stateKeys.memory('trafficVsPods')))?.value.implied;
    }
    const result = detector.detect(observation as never, cfg as never, now, memory?.value);
    findings = result.findings;
    band = result.band;
    if (CHART_CHECKS.has(check) && deps.notifiers.some((n) => n.drawsCharts)) await chartsFor(deps, check, observation, band, findings, now, charts);
    remember = result.memory;
  } catch (e) {
    logger.log('WARNING', 'check could not observe', { check, error: cleanText(e instanceof Error ? e.message : String(e), LIMITS.errorTextChars) });
    findings = [blindFinding(check, e)];
  }
  // Outside the try: a store that fails is the run's error, not the source's blindness.
  if (remember !== undefined) {
    await store.put(stateKeys.memory(check), remember, memory?.version ?? null).catch((e: unknown) => {
      // Another overlapping run updated the model first; theirs is as good.
      if (!(e instanceof ConflictError)) throw e;
    });
  }
  // A fresh observation that works clears the "cannot see" alert of the source.
  if (!findings.some((f) => f.key === `${check}:source`)) {
    const summary = `${check} can see its sources`;
    findings.push({ check, key: `${check}:source`, status: 'ok', severity: 'warning', title: summary, summary, runbook: [] });
  }

  const notifications: AlertNotification[] = [];
  // Listed once: the keys that reported before feed both the "absent means ok" pass and delivery.
  const known = await store.list(stateKeys.alertsOf(check));
  const touched = new Set<string>();
  const apply = async (f: Finding) => {
    const key = stateKeys.alert(check, f.key);
    touched.add(key);
    const dependencyFiring = f.dependsOn?.length ? await anyFiring(store, f.dependsOn) : false;
    const created = await applyFinding(deps, key, f, runId, now, dependencyFiring, charts.get(f.key));
    notifications.push(...created);
  };
  for (const f of findings) await apply(f);

  // Keys that reported before and are absent now are ok — unless this run was blind.
  if (!findings.some((f) => f.status === 'unknown')) {
    for (const key of known) {
      if (touched.has(key)) continue;
      const st = asAlertState((await store.get<unknown>(key))?.value);
      if (st && st.phase === 'ok' && st.owed.length === 0) continue;
      // An unreadable state (st undefined) is rewritten as a fresh one: nothing is known to have fired, so nothing resolves.
      const findingKey = st?.key ?? key.slice(stateKeys.alert(check, '').length);
      const last = st?.last;
      await apply({ check, key: findingKey, status: 'ok', severity: last?.severity ?? 'warning', title: last?.title ?? findingKey, summary: 'no longer reported', runbook: [] });
    }
  }

  const delivery = await deliverAll(deps, check, [...new Set([...known, ...touched])], runId, now);
  await updateWithRetry<RunMemo, true>(store, stateKeys.lastRun(check), () => ({ value: { lastRunAt: now }, result: true }));
  const outcome = outcomeOf(findings);
  await deps.telemetry?.recordRun(check, outcome, now);
  logger.log(outcome === 'ok' ? 'INFO' : 'WARNING', 'check ran', {
    check,
    outcome,
    findings: findings.filter((f) => f.status !== 'ok').map((f) => ({ key: f.key, status: f.status, summary: f.summary })),
    notifications: notifications.map((n) => ({ key: n.key, state: n.state })),
  });
  return { check, outcome, findings, notifications, delivery, band };
}

/** The checks whose alerts carry a picture (see alerting/chart.ts). */
const CHART_CHECKS = new Set<CheckName>(['trafficVsPods', 'nodeHeadroom', 'launchProbe']);

// Loaded on the first run of a charted check, not at every function's start; once, since each
// dynamic import goes through the module loader again.
let chartModule: Promise<typeof import('../alerting/chart.ts')> | undefined;
const loadChartModule = () => (chartModule ??= import('../alerting/chart.ts'));

/** Records this run's chart points; each finding gets its chart (attached to its firing and repeat notifications). A failure costs the picture only, never the alert. */
async function chartsFor(deps: CheckDeps, check: CheckName, observation: unknown, band: BandPoint[] | undefined, findings: Finding[], now: number, out: Map<string, AlertChart>) {
  try {
    const { alertChart, chartPoints, recordChartHistory } = await loadChartModule();
    const points: ChartPoints = chartPoints(check, observation, band, now);
    const history = await recordChartHistory(deps.store, check, points, now);
    for (const f of findings) {
      const chart = alertChart(check, f.key, history);
      if (chart) out.set(f.key, chart);
    }
  } catch (e) {
    deps.logger.log('WARNING', 'chart history not recorded', { check, error: cleanText(e instanceof Error ? e.message : String(e), LIMITS.errorTextChars) });
  }
}

/** `dependsOn` names alerts as `<check>/<key>`, e.g. `binderHealth/health:mybinder.org`. */
async function anyFiring(store: StateStore, deps: string[]): Promise<boolean> {
  for (const dep of deps) if (asAlertState((await store.get<unknown>(stateKeys.alertNamed(dep)))?.value)?.phase === 'firing') return true;
  return false;
}

type Link = NonNullable<Finding['links']>[number];

/** The finding's own links, then `alerting.links` (dashboard, hub), each URL once. */
export function withConfigLinks(f: Finding, config: Config): Finding {
  const { dashboard, hub } = config.alerting.links;
  const extra: Link[] = [...(dashboard ? [{ title: 'Dashboard', url: dashboard }] : []), ...(hub ? [{ title: 'Hub', url: hub }] : [])];
  if (!extra.length) return f;
  const own = f.links ?? [];
  return { ...f, links: [...own, ...extra.filter((l) => !own.some((o) => o.url === l.url))] };
}

/** Runs the lifecycle for one finding with compare-and-swap; owed notifications are claimed by this run. */
async function applyFinding(
  deps: CheckDeps,
  storeKey: string,
  f: Finding,
  runId: string,
  now: number,
  dependencyFiring: boolean,
  chart?: AlertChart,
): Promise<AlertNotification[]> {
  const configured = new Set(deps.notifiers.map((n) => n.name));
  const rule = ruleFor(deps.config, f.check);
  return (
    (await updateWithRetry<unknown, AlertNotification[]>(deps.store, storeKey, (current) => {
      const stored = asAlertState(current);
      if (current !== undefined && !stored) deps.logger.log('ERROR', 'state object is not an alert state: starting it afresh', { key: storeKey });
      const prev = stored ?? initialAlertState(f.key, f.check);
      const t = nextAlertState(prev, withConfigLinks(f, deps.config), { rule, now, silences: deps.config.alerting.silences, dependencyFiring });
      for (const n of t.notifications) {
        if (chart && n.state !== 'resolved') n.chart = chart;
        t.state.owed.push({ notification: n, channels: routeChannels(deps.config, n, configured), claimedBy: runId, claimedUntil: now + CLAIM_TTL_MS });
      }
      return { value: t.state, result: t.notifications };
    })) ?? []
  );
}

/** Delivers everything these alerts owe, then turns channel failures into alerts of their own. */
async function deliverAll(deps: CheckDeps, check: CheckName, alertKeys: string[], runId: string, now: number): Promise<DeliveryReport> {
  const notifiers = new Map(deps.notifiers.map((n) => [n.name, n]));
  const policy = deps.retryPolicy ?? defaultRetryPolicy;
  const report: DeliveryReport = { delivered: [], failed: [] };
  const deliver = async (keys: string[]) => {
    for (const storeKey of keys) {
      const r = await deliverOwed({ store: deps.store, storeKey, notifiers, runId, now, policy, logger: deps.logger });
      report.delivered.push(...r.delivered);
      report.failed.push(...r.failed);
    }
  };
  await deliver(alertKeys);

  // Channel health is an alert like any other, sent on the other channels.
  const attempted = new Set([...report.delivered, ...report.failed].map((d) => d.channel));
  for (const channel of attempted) {
    const failure = report.failed.find((d) => d.channel === channel);
    const key = `${CHANNEL_KEY_PREFIX}${channel}`;
    const storeKey = stateKeys.channel(channel);
    await applyFinding(
      deps,
      storeKey,
      {
        check,
        key,
        status: failure ? 'problem' : 'ok',
        severity: 'warning',
        title: failure ? `${channel} delivery failing` : `${channel} delivery works`,
        summary: failure ? `${channel} delivery failing: ${failure.error.message}` : `${channel} delivery works`,
        details: failure ? 'Alerts for this channel stay owed and are re-sent when it accepts them again.' : undefined,
        runbook: failure ? [`# check the ${channel} channel's credentials and status; binderwatch retries every run`] : [],
      },
      runId,
      now,
      false,
    );
  }
  // Notices about a channel that failed may themselves be owed from earlier runs.
  await deliver(await deps.store.list(stateKeys.channels));
  return report;
}
