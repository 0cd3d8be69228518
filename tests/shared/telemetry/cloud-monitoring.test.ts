// cloudMonitoringTelemetry through the real MetricServiceClient (gRPC) against
// infra/fakes/cloud-monitoring.ts, which serves the library's own protos.
import { MetricServiceClient } from '@google-cloud/monitoring';
import { grpc } from 'google-gax';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeCloudMonitoring, type FakeCloudMonitoring } from '../../../infra/fakes/cloud-monitoring.ts';
import { jsonLogger } from '../../../shared/log.ts';
import { cloudMonitoringTelemetry, METRICS } from '../../../shared/telemetry/cloud-monitoring.ts';
import type { Telemetry } from '../../../shared/telemetry/telemetry.ts';

const PROJECT = 'binderwatch-test';
const AT = Date.parse('2026-11-20T10:00:00.250Z');
const GLOBAL = { type: 'global', labels: { project_id: PROJECT } };

describe('cloudMonitoringTelemetry', () => {
  let fake: FakeCloudMonitoring;
  let client: MetricServiceClient;
  let logs: Record<string, unknown>[];
  let telemetry: Telemetry;

  beforeEach(async () => {
    fake = await startFakeCloudMonitoring();
    // Insecure channel to the fake; a fixed universe domain keeps google-auth from
    // probing the GCE metadata server.
    client = new MetricServiceClient({
      servicePath: fake.host,
      port: fake.port,
      sslCreds: grpc.credentials.createInsecure(),
      clientOptions: { universeDomain: 'googleapis.com' },
    });
    logs = [];
    const logger = jsonLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>));
    // A deadline far beyond any loopback answer: only the hung case below is meant to reach one.
    telemetry = cloudMonitoringTelemetry({ client, projectId: PROJECT, logger, timeoutMs: 10_000 });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  it('writes each check run as a GAUGE INT64 point of 1 on check_runs, labelled check and outcome', async () => {
    await telemetry.recordRun('nodeHeadroom', 'problem', AT);
    expect(fake.requests.map((r) => r.name)).toEqual([`projects/${PROJECT}`]);
    expect(fake.points()).toEqual([
      {
        project: PROJECT,
        metric: METRICS.checkRuns,
        labels: { check: 'nodeHeadroom', outcome: 'problem' },
        resource: GLOBAL,
        metricKind: 'GAUGE',
        valueType: 'INT64',
        unit: '1',
        value: 1,
        at: AT,
      },
    ]);
    expect(logs).toEqual([]);
  });

  it('lands successive runs as successive points of one series, which an absence policy can watch', async () => {
    await telemetry.recordRun('launchProbe', 'ok', AT);
    await telemetry.recordRun('launchProbe', 'ok', AT + 60_000);
    expect(fake.points().map((p) => [p.metric, p.labels.check, p.at])).toEqual([
      [METRICS.checkRuns, 'launchProbe', AT],
      [METRICS.checkRuns, 'launchProbe', AT + 60_000],
    ]);
  });

  it('writes phase durations in seconds and probe success as 1 or 0, labelled binder and repo', async () => {
    await telemetry.recordProbe({
      binderUrl: 'https://probe:hunter22@mybinder.org/',
      repo: 'gh/binder-examples/requirements/HEAD',
      at: AT,
      ok: false,
      failedPhase: 'launch',
      durations: { waiting: 1500, building: 30_000, launching: 4250 },
    });
    const labels = { binder: 'mybinder.org', repo: 'gh/binder-examples/requirements/HEAD' };
    expect(fake.points().map((p) => [p.metric, p.labels, p.valueType, p.unit, p.value, p.at])).toEqual([
      [METRICS.launchPhaseSeconds, { ...labels, phase: 'waiting' }, 'DOUBLE', 's', 1.5, AT],
      [METRICS.launchPhaseSeconds, { ...labels, phase: 'building' }, 'DOUBLE', 's', 30, AT],
      [METRICS.launchPhaseSeconds, { ...labels, phase: 'launching' }, 'DOUBLE', 's', 4.25, AT],
      [METRICS.launchProbeOk, labels, 'INT64', '1', 0, AT],
    ]);
    expect(fake.requests).toHaveLength(1);
  });

  it('writes a successful probe as launch_probe_ok 1', async () => {
    await telemetry.recordProbe({ binderUrl: 'https://hub.example.org/binder', repo: 'gh/a/b/HEAD', at: AT, ok: true });
    expect(fake.points().map((p) => [p.metric, p.labels, p.value])).toEqual([
      [METRICS.launchProbeOk, { binder: 'hub.example.org/binder', repo: 'gh/a/b/HEAD' }, 1],
    ]);
  });

  it('writes nothing for a probe that could not run: a gap, not a failure', async () => {
    await telemetry.recordProbe({
      binderUrl: 'https://mybinder.org',
      repo: 'gh/a/b/HEAD',
      at: AT,
      ok: false,
      unknownReason: 'config missing',
    });
    expect(fake.requests).toEqual([]);
  });

  it('resolves and logs a WARNING when Cloud Monitoring is UNAVAILABLE', async () => {
    fake.fail({ code: grpc.status.UNAVAILABLE });
    await expect(telemetry.recordRun('clusterHealth', 'ok', AT)).resolves.toBeUndefined();
    expect(fake.requests).toHaveLength(1);
    expect(fake.points()).toEqual([]);
    expect(logs).toEqual([expect.objectContaining({ severity: 'WARNING', code: grpc.status.UNAVAILABLE, metrics: [METRICS.checkRuns] })]);
  });

  it('resolves and logs a WARNING when the writer lacks permission', async () => {
    fake.fail({ code: grpc.status.PERMISSION_DENIED });
    await expect(
      telemetry.recordProbe({ binderUrl: 'https://mybinder.org', repo: 'gh/a/b/HEAD', at: AT, ok: true }),
    ).resolves.toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ severity: 'WARNING', code: grpc.status.PERMISSION_DENIED })]);
  });

  it('resolves and logs a WARNING when Cloud Monitoring rejects a point written out of order', async () => {
    await telemetry.recordRun('binderHealth', 'ok', AT);
    await expect(telemetry.recordRun('binderHealth', 'ok', AT - 60_000)).resolves.toBeUndefined();
    expect(fake.points()).toHaveLength(1);
    expect(logs).toEqual([expect.objectContaining({ severity: 'WARNING', code: grpc.status.INVALID_ARGUMENT })]);
  });

  it('gives up on a hung Cloud Monitoring after its timeout and logs a WARNING', async () => {
    // No answer within the test (the fake drops it on close), so the short deadline cannot lose a race.
    fake.fail({ delayMs: 600_000 });
    const hasty = cloudMonitoringTelemetry({
      client,
      projectId: PROJECT,
      logger: jsonLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
      timeoutMs: 500,
    });
    await expect(hasty.recordRun('trafficVsPods', 'unknown', AT)).resolves.toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ severity: 'WARNING', code: grpc.status.DEADLINE_EXCEEDED })]);
  });
});
