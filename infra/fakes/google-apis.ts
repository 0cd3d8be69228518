// Loopback server for the two Google REST APIs binderwatch reads, speaking their
// documented JSON: the GA4 Data API realtime and core reports
// (POST /v1beta/properties/{id}:runRealtimeReport, …:runReport) and the GKE Container API
// (GET /v1/projects/*/locations/*/clusters/* and …/nodePools/*). Point the
// googleapis clients at it with `rootUrl`. Tests set the fixtures and faults.
import { startLoopback, type FaultPlan, type JsonAnswer, type RecordedRequest } from './loopback-faults.ts';

/** Realtime fixture of one property: `perMinute[k]` is the metric for minutesAgo = k (0 or absent: no row). */
export interface RealtimeFixture {
  metric: string;
  perMinute: (number | undefined)[];
}

/** Core-report fixture of one property: the metric per minute (epoch ms of the minute's start), reported in `timeZone`. */
export interface CoreFixture {
  metric: string;
  timeZone: string;
  perMinute: Map<number, number>;
}

export interface FakeGoogleApis {
  /** Pass as `rootUrl` (ends with a slash). */
  rootUrl: string;
  realtime: Map<string, RealtimeFixture>;
  core: Map<string, CoreFixture>;
  /** Resources by full name, e.g. `projects/p/locations/l/clusters/c` and `…/nodePools/n`. */
  clusters: Map<string, Record<string, unknown>>;
  nodePools: Map<string, Record<string, unknown>>;
  faults: FaultPlan;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

// Google's JSON error envelope (google.rpc.Status over HTTP).
const googleError = (code: number, message: string) => ({
  error: { code, message, status: GOOGLE_STATUS[code] ?? 'UNKNOWN' },
});
const fail = (code: number, message: string): JsonAnswer => ({ status: code, body: googleError(code, message) });

/**
 * `accessToken`: when set, every request must carry `Authorization: Bearer <accessToken>`;
 * as a function, a bearer token it accepts (e.g. one a fake metadata server issued and not yet expired).
 */
export async function startFakeGoogleApis(opts: { accessToken?: string | ((token: string) => boolean) } = {}): Promise<FakeGoogleApis> {
  const realtime = new Map<string, RealtimeFixture>();
  const core = new Map<string, CoreFixture>();
  const clusters = new Map<string, Record<string, unknown>>();
  const nodePools = new Map<string, Record<string, unknown>>();

  const route = (req: RecordedRequest): JsonAnswer => {
    if (opts.accessToken && !bearerAccepted(req.headers.authorization, opts.accessToken)) {
      return fail(401, 'Request had invalid authentication credentials.');
    }
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const report = /^\/v1beta\/properties\/(\d+):runRealtimeReport$/.exec(path);
    if (report && req.method === 'POST') return realtimeReport(realtime.get(report[1]), JSON.parse(req.body || '{}'));
    const coreMatch = /^\/v1beta\/properties\/(\d+):runReport$/.exec(path);
    if (coreMatch && req.method === 'POST') return coreReport(core.get(coreMatch[1]), JSON.parse(req.body || '{}'));
    const resource = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+(?:\/nodePools\/[^/]+)?)$/.exec(path);
    if (resource && req.method === 'GET') {
      const name = resource[1];
      const found = name.includes('/nodePools/') ? nodePools.get(name) : clusters.get(name);
      return found ? { status: 200, body: found } : fail(404, `Not found: ${name}.`);
    }
    return fail(404, `No route for ${req.method} ${path}`);
  };

  const loop = await startLoopback({ errorBody: (s, m) => googleError(s, m), route });
  return { rootUrl: loop.url + '/', realtime, core, clusters, nodePools, faults: loop.faults, requests: loop.requests, close: loop.close };
}

function bearerAccepted(header: string | undefined, accept: string | ((token: string) => boolean)): boolean {
  const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
  return token !== undefined && (typeof accept === 'string' ? token === accept : accept(token));
}

interface RealtimeRequest {
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
}

function realtimeReport(fixture: RealtimeFixture | undefined, body: RealtimeRequest): JsonAnswer {
  if (!fixture) return fail(403, 'User does not have sufficient permissions for this property.');
  const dims = (body.dimensions ?? []).map((d) => d.name);
  const metrics = (body.metrics ?? []).map((m) => m.name);
  if (dims.length !== 1 || dims[0] !== 'minutesAgo') return fail(400, 'This fake serves only the minutesAgo dimension.');
  if (metrics.length !== 1 || metrics[0] !== fixture.metric) {
    return fail(400, `Field ${metrics.join(',')} is not a valid metric.`);
  }
  // GA omits rows whose metrics are all zero and orders by the metric, largest first.
  const rows = fixture.perMinute
    .map((v, k) => ({ k, v }))
    .filter((r): r is { k: number; v: number } => r.v !== undefined && r.v !== 0 && r.k < 30)
    .sort((a, b) => b.v - a.v)
    .map(({ k, v }) => ({ dimensionValues: [{ value: String(k).padStart(2, '0') }], metricValues: [{ value: String(v) }] }));
  return reportAnswer('minutesAgo', fixture.metric, rows, { kind: 'analyticsData#runRealtimeReport' });
}

interface CoreRequest {
  dateRanges?: { startDate?: string; endDate?: string }[];
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
  limit?: string;
}

/** `runReport` with one date range and the dateHourMinute dimension: minutes of those dates (in the property's zone), zero rows omitted. */
function coreReport(fixture: CoreFixture | undefined, body: CoreRequest): JsonAnswer {
  if (!fixture) return fail(403, 'User does not have sufficient permissions for this property.');
  const dims = (body.dimensions ?? []).map((d) => d.name);
  const metrics = (body.metrics ?? []).map((m) => m.name);
  const range = body.dateRanges?.[0];
  if (dims.length !== 1 || dims[0] !== 'dateHourMinute') return fail(400, 'This fake serves only the dateHourMinute dimension.');
  if (metrics.length !== 1 || metrics[0] !== fixture.metric) return fail(400, `Field ${metrics.join(',')} is not a valid metric.`);
  if (
    body.dateRanges?.length !== 1 ||
    !/^\d{4}-\d\d-\d\d$/.test(range?.startDate ?? '') ||
    !/^\d{4}-\d\d-\d\d$/.test(range?.endDate ?? '')
  ) {
    return fail(400, 'dateRanges: expected one range of YYYY-MM-DD dates.');
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: fixture.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const local = (t: number) => Object.fromEntries(parts.formatToParts(t).map((p) => [p.type, p.value]));
  const limit = Number(body.limit ?? 10_000);
  const rows = [...fixture.perMinute]
    .filter(([, v]) => v !== 0)
    .map(([t, v]) => ({ p: local(t), v }))
    .filter(({ p }) => `${p.year}-${p.month}-${p.day}` >= range!.startDate! && `${p.year}-${p.month}-${p.day}` <= range!.endDate!)
    .slice(0, limit)
    .map(({ p, v }) => ({
      dimensionValues: [{ value: `${p.year}${p.month}${p.day}${p.hour}${p.minute}` }],
      metricValues: [{ value: String(v) }],
    }));
  return reportAnswer('dateHourMinute', fixture.metric, rows, {
    metadata: { currencyCode: 'USD', timeZone: fixture.timeZone },
    kind: 'analyticsData#runReport',
  });
}

/** A report of one dimension and one metric; GA leaves `rows` out when there are none. */
function reportAnswer(dimension: string, metric: string, rows: unknown[], more: Record<string, unknown>): JsonAnswer {
  return {
    status: 200,
    body: {
      dimensionHeaders: [{ name: dimension }],
      metricHeaders: [{ name: metric, type: 'TYPE_INTEGER' }],
      ...(rows.length ? { rows, rowCount: rows.length } : {}),
      ...more,
    },
  };
}
