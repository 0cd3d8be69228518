// A loopback gRPC server implementing google.monitoring.v3.MetricService/CreateTimeSeries
// from the protos that ship with @google-cloud/monitoring, so the real
// MetricServiceClient talks to it over the real wire protocol. It records each request
// and enforces the documented write rules (one point per series, a unique series per
// request, points newer than the series' last, kinds and value types consistent with
// the auto-created descriptor); every other method answers UNIMPLEMENTED.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { grpc, GrpcClient } from 'google-gax';

/** A CreateTimeSeries request as proto-loader decodes it (camelCase, int64 as strings, enums as names). */
export interface RecordedCreateTimeSeries {
  name: string;
  timeSeries: RecordedTimeSeries[];
}

export interface RecordedTimeSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  metricKind: string;
  valueType: string;
  unit: string;
  points: {
    interval: { endTime: Timestamp | null; startTime: Timestamp | null };
    value: { value?: string; int64Value?: string; doubleValue?: number; boolValue?: boolean };
  }[];
}

interface Timestamp {
  seconds: string;
  nanos: number;
}

/** One written point, flattened for assertions. */
export interface WrittenPoint {
  project: string;
  metric: string;
  labels: Record<string, string>;
  resource: { type: string; labels: Record<string, string> };
  metricKind: string;
  valueType: string;
  unit: string;
  value: number | boolean;
  /** Epoch ms of the point's end time. */
  at: number;
}

/** Answer the next `times` calls (default 1) with this gRPC status, after `delayMs`. */
export interface MonitoringFault {
  code?: grpc.status;
  delayMs?: number;
  times?: number;
}

export interface FakeCloudMonitoring {
  /** Host and port for `new MetricServiceClient({ servicePath, port, sslCreds })`. */
  host: string;
  port: number;
  requests: RecordedCreateTimeSeries[];
  /** Every point accepted so far. */
  points(): WrittenPoint[];
  fail(fault: MonitoringFault): void;
  close(): Promise<void>;
}

// The protos ship beside the library's build output (build/src/index.js → build/protos).
const PROTOS = join(dirname(createRequire(import.meta.url).resolve('@google-cloud/monitoring')), '..', 'protos');
const VALUE_TYPES: Record<string, string> = {
  int64Value: 'INT64',
  doubleValue: 'DOUBLE',
  boolValue: 'BOOL',
  distributionValue: 'DISTRIBUTION',
};

class InvalidArgument extends Error {}

export async function startFakeCloudMonitoring(): Promise<FakeCloudMonitoring> {
  const proto = new GrpcClient().loadProto(PROTOS, 'google/monitoring/v3/metric_service.proto') as unknown as {
    google: { monitoring: { v3: { MetricService: { service: grpc.ServiceDefinition } } } };
  };
  const requests: RecordedCreateTimeSeries[] = [];
  const accepted: WrittenPoint[] = [];
  const faults: (MonitoringFault & { left: number })[] = [];
  // What auto-creation fixed for each metric type, and the newest point per series.
  const descriptors = new Map<string, { metricKind: string; valueType: string }>();
  const newest = new Map<string, number>();
  const pending = new Set<NodeJS.Timeout>();

  function createTimeSeries(request: RecordedCreateTimeSeries): void {
    if (!/^projects\/[^/]+$/.test(request.name)) throw new InvalidArgument(`name must be projects/PROJECT_ID, got "${request.name}"`);
    if (request.timeSeries.length < 1 || request.timeSeries.length > 200) {
      throw new InvalidArgument(`a request carries 1 to 200 time series, got ${request.timeSeries.length}`);
    }
    const points = request.timeSeries.map((ts) => toPoint(request.name.slice('projects/'.length), ts));
    const keys = points.map(seriesKey);
    if (new Set(keys).size !== keys.length) throw new InvalidArgument('a time series appears more than once in the request');
    points.forEach((p, i) => {
      const d = descriptors.get(p.metric);
      if (d && (d.metricKind !== p.metricKind || d.valueType !== p.valueType)) {
        throw new InvalidArgument(`${p.metric} is ${d.metricKind}/${d.valueType}, the point is ${p.metricKind}/${p.valueType}`);
      }
      if ((newest.get(keys[i]) ?? -Infinity) >= p.at) throw new InvalidArgument(`points must be written in order: ${p.metric}`);
    });
    points.forEach((p, i) => {
      descriptors.set(p.metric, { metricKind: p.metricKind, valueType: p.valueType });
      newest.set(keys[i], p.at);
      accepted.push(p);
    });
  }

  const server = new grpc.Server();
  server.addService(proto.google.monitoring.v3.MetricService.service, {
    CreateTimeSeries: (call: grpc.ServerUnaryCall<RecordedCreateTimeSeries, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      requests.push(request);
      const fault = faults[0];
      if (fault && --fault.left <= 0) faults.shift();
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (fault?.code !== undefined) return callback({ code: fault.code, details: 'injected fault' });
        try {
          createTimeSeries(request);
          callback(null, {});
        } catch (e) {
          if (!(e instanceof InvalidArgument)) throw e;
          callback({ code: grpc.status.INVALID_ARGUMENT, details: e.message });
        }
      }, fault?.delayMs ?? 0);
      pending.add(timer);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    host: '127.0.0.1',
    port,
    requests,
    points: () => [...accepted],
    fail: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    close: async () => {
      for (const t of pending) clearTimeout(t);
      server.forceShutdown();
    },
  };
}

function toPoint(project: string, ts: RecordedTimeSeries): WrittenPoint {
  if (!ts.metric?.type) throw new InvalidArgument('metric.type is required');
  if (!ts.resource?.type) throw new InvalidArgument('resource.type is required');
  if (ts.points.length !== 1) throw new InvalidArgument(`a time series must carry exactly one point, got ${ts.points.length}`);
  const [point] = ts.points;
  const field = point.value?.value;
  const valueType = field && VALUE_TYPES[field];
  if (!valueType) throw new InvalidArgument('the point has no value');
  if (ts.valueType !== 'VALUE_TYPE_UNSPECIFIED' && ts.valueType !== valueType) {
    throw new InvalidArgument(`valueType ${ts.valueType} does not match a ${valueType} point`);
  }
  // Auto-created descriptors can only be GAUGE (the default) or CUMULATIVE.
  const metricKind = ts.metricKind === 'METRIC_KIND_UNSPECIFIED' ? 'GAUGE' : ts.metricKind;
  if (metricKind !== 'GAUGE' && metricKind !== 'CUMULATIVE') throw new InvalidArgument(`metricKind ${metricKind} cannot be auto-created`);
  const end = point.interval?.endTime;
  if (!end) throw new InvalidArgument('interval.endTime is required');
  const start = point.interval.startTime;
  if (metricKind === 'GAUGE' && start && (start.seconds !== end.seconds || start.nanos !== end.nanos)) {
    throw new InvalidArgument('a GAUGE point has startTime equal to endTime or none');
  }
  const raw = point.value[field as 'int64Value' | 'doubleValue' | 'boolValue'];
  return {
    project,
    metric: ts.metric.type,
    labels: ts.metric.labels,
    resource: { type: ts.resource.type, labels: ts.resource.labels },
    metricKind,
    valueType,
    unit: ts.unit,
    value: typeof raw === 'string' ? Number(raw) : (raw as number | boolean),
    at: Number(end.seconds) * 1000 + Math.round(end.nanos / 1e6),
  };
}

function seriesKey(p: WrittenPoint): string {
  const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  return [p.project, p.metric, sorted(p.labels), p.resource.type, sorted(p.resource.labels)].join('|');
}
