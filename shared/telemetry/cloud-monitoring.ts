// Telemetry as Cloud Monitoring custom metrics, written with CreateTimeSeries.
// All are GAUGE points: a serverless run keeps no counter between runs, and an
// absence condition on a gauge is what the heartbeat alert policy needs.
import type { MetricServiceClient, protos } from '@google-cloud/monitoring';
import type { Logger } from '../log.ts';
import type { CheckName, ProbeResult } from '../model.ts';
import type { RunOutcome, Telemetry } from './telemetry.ts';

type TimeSeries = protos.google.monitoring.v3.ITimeSeries;
type TypedValue = protos.google.monitoring.v3.ITypedValue;

export const METRICS = {
  /** 1 per check run; labels check, outcome. Its absence means binderwatch is not running. */
  checkRuns: 'custom.googleapis.com/binderwatch/check_runs',
  /** Seconds spent in each launch phase; labels binder, repo, phase. */
  launchPhaseSeconds: 'custom.googleapis.com/binderwatch/launch_phase_seconds',
  /** 1 when a launch probe succeeded, 0 when it failed; labels binder, repo. Not written when the probe could not run. */
  launchProbeOk: 'custom.googleapis.com/binderwatch/launch_probe_ok',
} as const;

export interface CloudMonitoringTelemetryOptions {
  client: MetricServiceClient;
  projectId: string;
  logger: Logger;
  /** Per write; the client's own default is 12 s. */
  timeoutMs?: number;
}

export function cloudMonitoringTelemetry(options: CloudMonitoringTelemetryOptions): Telemetry {
  const { client, projectId, logger, timeoutMs = 10_000 } = options;
  // `global` is the resource for metrics not tied to a machine; it needs only the project.
  const resource = { type: 'global', labels: { project_id: projectId } };

  const gauge = (type: string, labels: Record<string, string>, value: TypedValue, unit: string, at: number): TimeSeries => ({
    metric: { type, labels },
    resource,
    metricKind: 'GAUGE',
    unit,
    points: [{ interval: { endTime: { seconds: Math.floor(at / 1000), nanos: (at % 1000) * 1e6 } }, value }],
  });

  const write = async (what: string, timeSeries: TimeSeries[]): Promise<void> => {
    if (!timeSeries.length) return;
    try {
      await client.createTimeSeries({ name: `projects/${projectId}`, timeSeries }, { timeout: timeoutMs });
    } catch (e) {
      logger.log('WARNING', `telemetry: could not write ${what} to Cloud Monitoring`, {
        error: e,
        code: (e as { code?: unknown }).code,
        metrics: [...new Set(timeSeries.map((t) => t.metric?.type))],
      });
    }
  };

  return {
    recordRun: (check: CheckName, outcome: RunOutcome, at: number) =>
      write('the check-run heartbeat', [gauge(METRICS.checkRuns, { check, outcome }, { int64Value: 1 }, '1', at)]),

    recordProbe: (result: ProbeResult) => {
      const labels = { binder: binderLabel(result.binderUrl), repo: result.repo };
      const series = Object.entries(result.durations ?? {})
        .filter(([, ms]) => Number.isFinite(ms) && ms >= 0)
        .map(([phase, ms]) => gauge(METRICS.launchPhaseSeconds, { ...labels, phase }, { doubleValue: ms / 1000 }, 's', result.at));
      // A probe that could not run says nothing about launches: a gap, not a 0.
      if (result.unknownReason === undefined) {
        series.push(gauge(METRICS.launchProbeOk, labels, { int64Value: result.ok ? 1 : 0 }, '1', result.at));
      }
      return write('launch probe metrics', series);
    },
  };
}

/** Host and path of the BinderHub, never its credentials or query. */
function binderLabel(binderUrl: string): string {
  try {
    const u = new URL(binderUrl);
    return u.host + u.pathname.replace(/\/+$/, '');
  } catch {
    return 'invalid-url';
  }
}
