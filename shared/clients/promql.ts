// A thin client over the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`).
// The same code reads a self-hosted Prometheus and Google Cloud Managed Service for
// Prometheus (`https://monitoring.googleapis.com/v1/projects/P/location/global/prometheus`),
// which speaks the same API behind Google OAuth.
import { GoogleAuth } from 'google-auth-library';
import { ConfigError, UpstreamError } from '../errors.ts';
import type { Series } from '../model.ts';
import { LIMITS } from '../limits.ts';
import { cleanText, redact, redactUrl, registerSecret } from '../redact.ts';
import { deadlineSignal, describeFetchError, fetchSameOrigin, readText, TooLargeError } from './bounded-http.ts';
import type { Config } from '../config/schema.ts';

export const MONITORING_READ_SCOPE = 'https://www.googleapis.com/auth/monitoring.read';

/** Prometheus refuses range queries with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface PromqlSeries {
  labels: Record<string, string>;
  samples: Series;
}

/** Anything that signs a request the way `GoogleAuth.getRequestHeaders` does. */
export interface GoogleHeaderSource {
  getRequestHeaders(url?: string): Promise<Headers>;
}

export type PromqlAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  /** The runtime service account (ADC); `google` lets a caller pass its own GoogleAuth. */
  | { type: 'google'; google?: GoogleHeaderSource };

export interface PromqlClientOptions {
  /** Base URL; `/api/v1/…` is appended. */
  url: string;
  auth?: PromqlAuth;
  /** Per HTTP request, body included. */
  timeoutMs?: number;
  /** Name used in errors, e.g. "prometheus" or "cloud-monitoring". */
  upstream?: string;
}

export interface PromqlClient {
  /** Evaluates at one instant; a range selector (`m[1h]`) returns the raw stored samples. */
  instant(query: string, atMs: number, signal?: AbortSignal): Promise<PromqlSeries[]>;
  /** Evaluates every `stepMs` over [start, end], both rounded down to the step. */
  range(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    signal?: AbortSignal,
    budget?: SampleBudget,
  ): Promise<PromqlSeries[]>;
}

/** Samples a run may still read, shared by the range queries of that run (made per run by a source). */
export interface SampleBudget {
  readonly limit: number;
  /** Counts `n` more samples; false once the run has read more than `limit`. */
  take(n: number): boolean;
}

export function sampleBudget(limit: number = LIMITS.prometheusRunSamples): SampleBudget {
  let left = limit;
  return { limit, take: (n) => (left -= n) >= 0 };
}

const seconds = (ms: number) => String(ms / 1000);

export function promqlClient(options: PromqlClientOptions): PromqlClient {
  const upstream = options.upstream ?? 'prometheus';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = options.url.replace(/\/+$/, '');
  const where = redactUrl(base);
  const authHeaders = authHeaderSource(options.auth ?? { type: 'none' });

  const fail = (message: string, status?: number, cause?: unknown) =>
    new UpstreamError(upstream, redact(`${message} (${where})`), status, undefined, { cause });

  async function get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = `${base}${path}?${new URLSearchParams(params)}`;
    const combined = deadlineSignal(timeoutMs, signal);
    let status: number | undefined;
    let text: string;
    let retryAfter: string | null = null;
    try {
      const headers = await authHeaders(url);
      headers.set('Accept', 'application/json');
      const res = await fetchSameOrigin(url, { headers, signal: combined });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await readText(res, LIMITS.prometheusBodyBytes);
    } catch (e) {
      if (e instanceof TooLargeError) throw fail(e.message, status, e);
      if (signal?.aborted) throw fail('request aborted', status, e);
      if (combined.aborted) throw fail(`no answer within ${timeoutMs} ms`, status, e);
      throw fail(`request failed: ${describeFetchError(e)}`, status, e);
    }
    // Bytes are not memory: count the samples (one "[" each) before parsing builds them.
    if (countOf(text, 0x5b) > LIMITS.prometheusAnswerSamples + 2)
      throw fail(`answer holds more than ${LIMITS.prometheusAnswerSamples} samples`, status);
    let body: { status?: unknown; data?: unknown; error?: unknown; errorType?: unknown } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body?.status === 'error') {
      throw fail(`${cleanText(String(body.errorType ?? 'error'), 40)}: ${cleanText(String(body.error ?? ''))}`, status);
    }
    if (status! < 200 || status! > 299) {
      const hint = retryAfter ? `, retry after ${retryAfter}` : '';
      throw fail(`HTTP ${status}${cleanText(hint, 60)}: ${cleanText(text, 200)}`, status);
    }
    if (!body || typeof body !== 'object') throw fail(`answer is not JSON: ${cleanText(text, 120)}`, status);
    if (body.status !== 'success') throw fail('answer has no "status": "success"', status);
    return body.data;
  }

  function parse(data: unknown): PromqlSeries[] {
    const d = data as { resultType?: unknown; result?: unknown } | undefined;
    const bad = () => fail(`malformed ${String(d?.resultType ?? 'query')} result`);
    if (!d || typeof d !== 'object') throw bad();
    if (d.resultType === 'scalar') return [{ labels: {}, samples: toSamples([d.result], bad) }];
    if (d.resultType !== 'vector' && d.resultType !== 'matrix') throw bad();
    if (!Array.isArray(d.result)) throw bad();
    return d.result.map((r: { metric?: unknown; value?: unknown; values?: unknown }) => {
      if (!r || typeof r.metric !== 'object' || r.metric === null) throw bad();
      const points = d.resultType === 'vector' ? [r.value] : r.values;
      if (!Array.isArray(points)) throw bad();
      return { labels: { ...(r.metric as Record<string, string>) }, samples: toSamples(points, bad) };
    });
  }

  return {
    async instant(query, atMs, signal) {
      return parse(await get('/api/v1/query', { query, time: seconds(atMs) }, signal));
    },

    async range(query, startMs, endMs, stepMs, signal, budget) {
      if (!(stepMs > 0)) throw new RangeError(`step must be positive, got ${stepMs}`);
      const start = Math.floor(startMs / stepMs) * stepMs;
      const end = Math.floor(endMs / stepMs) * stepMs;
      const chunks: PromqlSeries[][] = [];
      let samples = 0;
      // Prometheus refuses more than 11,000 points per series: split long ranges.
      for (let from = start; from <= end; from += MAX_POINTS_PER_SERIES * stepMs) {
        const to = Math.min(end, from + (MAX_POINTS_PER_SERIES - 1) * stepMs);
        const params = { query, start: seconds(from), end: seconds(to), step: seconds(stepMs) };
        const chunk = parse(await get('/api/v1/query_range', params, signal));
        const read = chunk.reduce((n, c) => n + c.samples.length, 0);
        samples += read;
        if (samples > LIMITS.prometheusQuerySamples) throw fail(`range query answered more than ${LIMITS.prometheusQuerySamples} samples`);
        if (budget && !budget.take(read)) throw fail(`this run read more than ${budget.limit} samples`);
        chunks.push(chunk);
      }
      return mergeSeries(chunks);
    },
  };
}

/** How often the character `code` occurs in `text`. */
function countOf(text: string, code: number): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === code) n++;
  return n;
}

/** Values Prometheus renders as "NaN" / "+Inf" carry no measurement: they become gaps. */
function toSamples(points: unknown[], bad: () => Error): Series {
  const out: Series = [];
  for (const p of points) {
    if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'string') throw bad();
    const v = Number(p[1]);
    if (Number.isFinite(v)) out.push({ t: Math.round(p[0] * 1000), v });
  }
  return out;
}

export function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** Joins per-chunk results series by series; a timestamp read twice is kept once. */
export function mergeSeries(chunks: PromqlSeries[][]): PromqlSeries[] {
  if (chunks.length === 1) return chunks[0];
  const byKey = new Map<string, { labels: Record<string, string>; samples: Map<number, number> }>();
  for (const chunk of chunks) {
    for (const s of chunk) {
      const key = labelsKey(s.labels);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { labels: s.labels, samples: new Map() }));
      for (const p of s.samples) entry.samples.set(p.t, p.v);
    }
  }
  return [...byKey.values()].map(({ labels, samples }) => ({
    labels,
    samples: [...samples].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v })),
  }));
}

function authHeaderSource(auth: PromqlAuth): (url: string) => Promise<Headers> {
  switch (auth.type) {
    case 'none':
      return async () => new Headers();
    case 'basic': {
      registerSecret(auth.password, 'instance');
      const value = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      registerSecret(value.slice(6), 'instance');
      return async () => new Headers({ Authorization: value });
    }
    case 'bearer':
      registerSecret(auth.token, 'instance');
      return async () => new Headers({ Authorization: `Bearer ${auth.token}` });
    case 'google': {
      const google = auth.google ?? new GoogleAuth({ scopes: [MONITORING_READ_SCOPE] });
      return async (url) => {
        const headers = await google.getRequestHeaders(url);
        const token = headers.get('authorization')?.replace(/^Bearer /i, '');
        registerSecret(token ?? undefined);
        return headers;
      };
    }
  }
}

export type PrometheusSourceConfig = NonNullable<Config['sources']['prometheus']>;

/**
 * Builds the client from config; secrets come from `env` (the entry point passes
 * `process.env`), named by `passwordEnv` / `bearerTokenEnv`, never from the file.
 */
export function promqlClientFromConfig(config: PrometheusSourceConfig, env: Record<string, string | undefined>): PromqlClient {
  const secret = (field: string, name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError([{ path: `sources.prometheus.${field}`, message: `environment variable ${name} is not set` }]);
    return value;
  };
  const auth: PromqlAuth =
    config.auth === 'basic'
      ? { type: 'basic', username: config.username ?? '', password: secret('passwordEnv', config.passwordEnv) }
      : config.auth === 'bearer'
        ? { type: 'bearer', token: secret('bearerTokenEnv', config.bearerTokenEnv) }
        : config.auth === 'google'
          ? { type: 'google' }
          : { type: 'none' };
  return promqlClient({
    url: config.url,
    auth,
    timeoutMs: config.timeout,
    upstream: config.auth === 'google' ? 'cloud-monitoring-promql' : 'prometheus',
  });
}

/**
 * Runs a range query that must yield one series (aggregate it with `sum(...)`).
 * No series at all means no data: an empty series, which the detector reads as a gap.
 */
export async function readSingleSeries(
  client: PromqlClient,
  query: string,
  fromMs: number,
  toMs: number,
  stepMs: number,
  budget?: SampleBudget,
): Promise<Series> {
  const result = await client.range(query, fromMs, toMs, stepMs, undefined, budget);
  if (result.length > 1) {
    throw new UpstreamError(
      'prometheus',
      `"${query}" returned ${result.length} series; aggregate it to one, e.g. sum(${query})`,
      undefined,
      false,
    );
  }
  return result[0]?.samples ?? [];
}
