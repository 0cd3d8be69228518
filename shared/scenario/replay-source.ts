// Sources that answer from a scenario, as the live ones would at simulated time
// `now`: only samples at or before `now` are visible, and a sample missing from
// the file is missing here too.
import { sliceSeries, upperBound } from '../series.ts';
import type {
  ClusterRef,
  LaunchProbeObservation,
  ProbeAttempt,
  NodePoolObservation,
  PodProblem,
  ProbeResult,
  Sample,
  Series,
} from '../model.ts';
import { personOwnerOf } from '../clients/pod-owner.ts';
import { hubOf } from '../detectors/launch-probe.ts';
import type { ObserveRequest, Sources } from '../sources/source.ts';
import { seriesId, type ScenarioData, type ScenarioSeries } from './openmetrics.ts';

/** A value older than this is not "current" any more: the source was down. */
const STALE_MS = 10 * 60_000;
/** Probes run every few minutes; a result older than this means the probe stopped reporting. */
const PROBE_STALE_MS = 30 * 60_000;

/** Index of the last sample at or before `now`, if it is no older than `staleMs`; -1 otherwise. */
function currentIndex(s: Series, now: number, staleMs = STALE_MS): number {
  const i = upperBound(s, now) - 1;
  return i >= 0 && now - s[i].t <= staleMs ? i : -1;
}

export function current(s: Series | undefined, now: number): Sample | undefined {
  const i = s ? currentIndex(s, now) : -1;
  return i >= 0 ? s![i] : undefined;
}

/** Start of the run of samples with value 1 that ends at index i (consecutive samples no further apart than `maxGapMs`). */
function runStart(s: Series, i: number, maxGapMs: number): number {
  let j = i;
  while (j > 0 && s[j - 1].v >= 1 && s[j].t - s[j - 1].t <= maxGapMs) j--;
  return s[j].t;
}

function byLabel(series: ScenarioSeries[], metric: string, label: string): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const s of series) if (s.metric === metric) out.set(s.labels[label] ?? '', s.samples);
  return out;
}

export interface ScenarioSourceOptions {
  /** The hub the scenario's probe results belong to. */
  binderUrl?: string;
  /** The cluster the config names, so runbooks name it as they would live. */
  cluster?: ClusterRef;
}

export function scenarioSources(scenario: ScenarioData, opts: ScenarioSourceOptions = {}): Sources {
  // One order whatever the file's or Prometheus' order, so replays are identical.
  const data = {
    ...scenario,
    series: [...scenario.series].sort((x, y) => (seriesId(x.metric, x.labels) < seriesId(y.metric, y.labels) ? -1 : 1)),
  };
  const find = (metric: string) => data.series.find((s) => s.metric === metric)?.samples ?? [];
  const demand = find('binderwatch_demand');
  const pods = find('binderwatch_running_user_pods');
  const nodes = byLabel(data.series, 'binderwatch_nodepool_nodes', 'pool');
  const cordoned = byLabel(data.series, 'binderwatch_nodepool_cordoned_nodes', 'pool');
  const max = byLabel(data.series, 'binderwatch_nodepool_max_nodes', 'pool');
  const pending = byLabel(data.series, 'binderwatch_nodepool_pending_pods', 'pool');
  const crashloops = data.series.filter((s) => s.metric === 'binderwatch_pod_crashlooping');
  const probes = byLabel(data.series, 'binderwatch_launch_probe_ok', 'repo');
  // Extra launches, pre-drawn per repo and attempt number ("1", "2", …) at the probe run's time.
  const extraProbes = data.series.filter((s) => s.metric === 'binderwatch_launch_probe_extra_ok');
  const binderUrl = opts.binderUrl ?? 'https://mybinder.org';
  const step = data.stepMs;

  /** The extra launches the detector asked for, as far as the scenario drew them. */
  const extraAttempts = (repo: string, t: number, n: number): ProbeAttempt[] =>
    extraProbes
      .filter((s) => s.labels.repo === repo && Number(s.labels.attempt) <= n)
      .sort((x, y) => Number(x.labels.attempt) - Number(y.labels.attempt))
      .flatMap((s) =>
        s.samples
          .filter((p) => p.t === t)
          .map((p): ProbeAttempt => ({
            at: t,
            ok: p.v >= 1,
            extra: true,
            ...(p.v >= 1 ? {} : { error: 'the scenario records a failed launch' }),
          })),
      );

  const sources: Sources = {
    trafficVsPods: {
      async observe(req: ObserveRequest) {
        const window = (s: Series) => sliceSeries(s, req.now - req.lookbackMs, req.now);
        // Older stretches as Prometheus would answer them: whatever of them the scenario holds.
        const older = (s: Series) =>
          (req.historyRanges ?? []).flatMap(([from, to]) => sliceSeries(s, from, Math.min(to, req.now - req.lookbackMs - 1)));
        const history = req.historyRanges?.length ? { demand: older(demand), pods: older(pods) } : undefined;
        return { demand: window(demand), pods: window(pods), stepMs: step, ...(history ? { history } : {}) };
      },
    },
    nodeHeadroom: {
      async observe(req: ObserveRequest) {
        const pools: NodePoolObservation[] = [...nodes].map(([pool, s]) => ({
          pool,
          nodes: sliceSeries(s, req.now - req.lookbackMs, req.now),
          cordoned: current(cordoned.get(pool), req.now)?.v ?? 0,
          max: current(max.get(pool), req.now)?.v ?? NaN,
          pending: current(pending.get(pool), req.now)?.v ?? 0,
        }));
        return { pools };
      },
    },
    clusterHealth: {
      async observe(req: ObserveRequest) {
        // A pod's series ends when the pod is gone; only current samples of 1 are crash-loops.
        const problems: PodProblem[] = [];
        for (const s of crashloops) {
          const i = currentIndex(s.samples, req.now);
          if (i < 0 || s.samples[i].v < 1) continue;
          problems.push({
            namespace: s.labels.namespace ?? '',
            pod: s.labels.pod ?? '',
            node: s.labels.node ?? '',
            owner: personOwnerOf(s.labels.owner ?? `Pod/${s.labels.pod ?? ''}`),
            reason: 'CrashLoopBackOff',
            since: runStart(s.samples, i, 2 * step),
          });
        }
        return { ...(opts.cluster ? { cluster: opts.cluster } : {}), problems, notReadyNodes: [] };
      },
    },
    launchProbe: {
      async observe(req: ObserveRequest): Promise<LaunchProbeObservation> {
        const results: ProbeResult[] = [];
        for (const [repo, s] of probes) {
          const i = upperBound(s, req.now) - 1;
          if (i < 0) continue;
          const last = s[i];
          if (req.now - last.t > PROBE_STALE_MS) {
            results.push({
              binderUrl,
              repo,
              at: req.now,
              ok: false,
              unknownReason: `no probe result since ${new Date(last.t).toISOString()}`,
            });
          } else {
            const result: ProbeResult = {
              binderUrl,
              repo,
              at: last.t,
              ok: last.v >= 1,
              error: last.v >= 1 ? undefined : 'the scenario records a failed probe',
            };
            const extras = extraAttempts(repo, last.t, req.extraLaunches?.[hubOf(binderUrl)] ?? 0);
            results.push(extras.length ? { ...result, attempts: extras } : result);
          }
        }
        return { results };
      },
    },
  };
  return sources;
}
