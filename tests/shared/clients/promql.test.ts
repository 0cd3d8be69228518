// The PromQL client against a loopback HTTP server that answers like Prometheus —
// or like a broken proxy in front of it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client, GoogleAuth } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UpstreamError } from '../../../shared/errors.ts';
import { promqlClient, promqlClientFromConfig } from '../../../shared/clients/promql.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { LIMITS } from '../../../shared/limits.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

let server: Server;
let base: string;
let handler: Handler;
const requests: { url: URL; authorization?: string }[] = [];
/** Responses a test left hanging; cut after each test. */
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push({ url, authorization: req.headers.authorization });
    open.add(res);
    res.on('close', () => open.delete(res));
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  requests.length = 0;
  for (const res of open) res.destroy();
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const matrix = (result: unknown[]) => json(200, { status: 'success', data: { resultType: 'matrix', result } });

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('promqlClient results', () => {
  it('turns a matrix into series in epoch ms, dropping NaN and ±Inf as gaps', async () => {
    handler = matrix([
      {
        metric: { __name__: 'binderwatch_demand', pool: 'user' },
        values: [
          [1516233600, '12.5'],
          [1516233660, 'NaN'],
          [1516233720, '+Inf'],
          [1516233780, '-Inf'],
          [1516233840, '14'],
        ],
      },
    ]);
    const series = await promqlClient({ url: base }).range('binderwatch_demand', 1516233600_000, 1516233840_000, 60_000);
    expect(series).toEqual([
      {
        labels: { __name__: 'binderwatch_demand', pool: 'user' },
        samples: [
          { t: 1516233600_000, v: 12.5 },
          { t: 1516233840_000, v: 14 },
        ],
      },
    ]);
  });

  it('rounds start and end down to the step and sends the step in seconds', async () => {
    handler = matrix([]);
    await promqlClient({ url: `${base}/prom/` }).range('up', 1516233659_999, 1516233779_000, 60_000);
    expect(requests[0].url.pathname).toBe('/prom/api/v1/query_range');
    expect(Object.fromEntries(requests[0].url.searchParams)).toEqual({ query: 'up', start: '1516233600', end: '1516233720', step: '60' });
  });

  it('reads an instant vector and a scalar at the given time', async () => {
    handler = json(200, {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { pool: 'core' }, value: [1516233600.5, '3'] }] },
    });
    const client = promqlClient({ url: base });
    expect(await client.instant('nodes', 1516233600_500)).toEqual([{ labels: { pool: 'core' }, samples: [{ t: 1516233600_500, v: 3 }] }]);
    expect(requests[0].url.searchParams.get('time')).toBe('1516233600.5');
    handler = json(200, { status: 'success', data: { resultType: 'scalar', result: [1516233600, '7'] } });
    expect(await client.instant('7', 1516233600_000)).toEqual([{ labels: {}, samples: [{ t: 1516233600_000, v: 7 }] }]);
  });

  it('merges a range longer than 11,000 steps from several queries', async () => {
    handler = (_req, res, url) => {
      const start = Number(url.searchParams.get('start'));
      matrix([{ metric: {}, values: [[start, String(start)]] }])(_req, res, url);
    };
    const series = await promqlClient({ url: base }).range('up', 0, 20_000_000, 1000);
    expect(requests.map((r) => [r.url.searchParams.get('start'), r.url.searchParams.get('end')])).toEqual([
      ['0', '10999'],
      ['11000', '20000'],
    ]);
    expect(series).toEqual([
      {
        labels: {},
        samples: [
          { t: 0, v: 0 },
          { t: 11_000_000, v: 11000 },
        ],
      },
    ]);
  });

  it('refuses an answer of more samples than its cap before parsing it, though its bytes are within theirs', async () => {
    const points = (from: number, n: number) => Array.from({ length: n }, (_, i) => [from + i, '1']);
    handler = matrix([{ metric: {}, values: points(0, LIMITS.prometheusAnswerSamples + 10) }]);
    const error = await upstreamError(promqlClient({ url: base }).range('up', 0, 60_000, 60_000));
    expect(error.message).toMatch(new RegExp(`answer holds more than ${LIMITS.prometheusAnswerSamples} samples`));
  });

  it('refuses a range query whose chunks together pass the per-query cap, each within the per-answer one', async () => {
    // Each chunk answers 40,000 samples (4 series of 10,000): three chunks pass 100,000.
    handler = (req, res, url) => {
      const start = Number(url.searchParams.get('start'));
      matrix(
        Array.from({ length: 4 }, (_, k) => ({
          metric: { k: String(k) },
          values: Array.from({ length: 10_000 }, (_, i) => [start + i, '1']),
        })),
      )(req, res, url);
    };
    const error = await upstreamError(promqlClient({ url: base }).range('up', 0, 40_000_000, 1000));
    expect(error.message).toMatch(new RegExp(`range query answered more than ${LIMITS.prometheusQuerySamples} samples`));
    expect(requests).toHaveLength(Math.ceil(LIMITS.prometheusQuerySamples / 40_000));
  });

  it('rejects a success answer whose result is not a Prometheus matrix', async () => {
    handler = json(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [['x', 1]] }] } });
    const error = await upstreamError(promqlClient({ url: base }).range('up', 0, 60_000, 60_000));
    expect(error.message).toMatch(/malformed matrix result/);
  });
});

describe('promqlClient faults', () => {
  const range = (options: { timeoutMs?: number } = {}) => promqlClient({ url: base, ...options }).range('up', 0, 600_000, 60_000);

  it('reports a 500 as a retryable UpstreamError with the status', async () => {
    handler = (_req, res) => res.writeHead(500).end('internal error');
    const error = await upstreamError(range());
    expect(error).toMatchObject({ upstream: 'prometheus', status: 500, retryable: true });
    expect(error.message).toMatch(/HTTP 500: internal error/);
  });

  it('reports a 429 as retryable and says when to retry', async () => {
    handler = (_req, res) => res.writeHead(429, { 'Retry-After': '30' }).end('slow down');
    const error = await upstreamError(range());
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect(error.message).toMatch(/retry after 30/);
  });

  it('reports a "status": "error" answer with its type and message, retryable only for 5xx', async () => {
    handler = json(422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples' });
    const error = await upstreamError(range());
    expect(error).toMatchObject({ status: 422, retryable: false });
    expect(error.message).toMatch(/execution: query processing would load too many samples/);
    handler = json(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    expect(await upstreamError(range())).toMatchObject({ status: 503, retryable: true });
  });

  it('reports truncated JSON', async () => {
    handler = (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"matr');
    expect((await upstreamError(range())).message).toMatch(/not JSON/);
  });

  it('reports an HTML page from a proxy or login wall', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Sign in</body></html>');
    expect((await upstreamError(range())).message).toMatch(/not JSON: <html>/);
  });

  it('gives up on a server that does not answer in time', async () => {
    handler = () => {}; // never answers
    const error = await upstreamError(range({ timeoutMs: 200 }));
    expect(error).toMatchObject({ status: undefined, retryable: true });
    expect(error.message).toMatch(/no answer within 200 ms/);
  });

  it('gives up on a body that stops halfway', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"success",');
    };
    expect((await upstreamError(range({ timeoutMs: 200 }))).message).toMatch(/no answer within 200 ms/);
  });

  it('stops when the caller aborts', async () => {
    handler = () => {};
    const controller = new AbortController();
    const pending = promqlClient({ url: base }).instant('up', 0, controller.signal);
    controller.abort();
    expect((await upstreamError(pending)).message).toMatch(/aborted/);
  });

  it('reports a refused connection as retryable without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await upstreamError(promqlClient({ url }).instant('up', 0));
    expect(error).toMatchObject({ status: undefined, retryable: true });
    expect(error.message).toBe(`prometheus: request failed: fetch failed (ECONNREFUSED) (${url})`);
  });
});

describe('promqlClient auth', () => {
  const ok = matrix([]);

  it('sends basic credentials and never repeats them in an error', async () => {
    handler = (req, res) => res.writeHead(401).end(`denied for ${req.headers.authorization}`);
    const client = promqlClient({ url: base, auth: { type: 'basic', username: 'watcher', password: 's3cret-pass' } });
    const error = await upstreamError(client.instant('up', 0));
    const encoded = Buffer.from('watcher:s3cret-pass').toString('base64');
    expect(requests[0].authorization).toBe(`Basic ${encoded}`);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.message).not.toContain(encoded);
    expect(error.message).not.toContain('s3cret-pass');
  });

  it('sends a bearer token and never repeats it in an error', async () => {
    handler = (req, res) => res.writeHead(403).end(`token ${req.headers.authorization?.slice(7)} is not allowed`);
    const error = await upstreamError(promqlClient({ url: base, auth: { type: 'bearer', token: 'prom-token-123456' } }).instant('up', 0));
    expect(requests[0].authorization).toBe('Bearer prom-token-123456');
    expect(error.message).not.toContain('prom-token-123456');
  });

  it('keeps credentials written into the URL out of errors', async () => {
    // fetch refuses such URLs with a message that quotes the whole URL.
    const error = await upstreamError(promqlClient({ url: base.replace('//', '//ops:url-pass-999@') }).instant('up', 0));
    expect(error.message).toMatch(/includes credentials/);
    expect(error.message).not.toContain('url-pass-999');
  });

  it('signs requests with the Google credentials it is given (Managed Service for Prometheus)', async () => {
    handler = ok;
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'ya29.loopback-token', expiry_date: Date.now() + 3_600_000 });
    const google = new GoogleAuth({ authClient });
    await promqlClient({ url: `${base}/v1/projects/p/location/global/prometheus`, auth: { type: 'google', google } }).instant('up', 0);
    expect(requests[0].url.pathname).toBe('/v1/projects/p/location/global/prometheus/api/v1/query');
    expect(requests[0].authorization).toBe('Bearer ya29.loopback-token');
  });
});

describe('promqlClientFromConfig', () => {
  const prometheus = (extra: Record<string, unknown>) =>
    parseConfig({ sources: { prometheus: { url: base, ...extra } } }).sources.prometheus!;

  it('reads the bearer token from the environment variable the config names', async () => {
    handler = matrix([]);
    await promqlClientFromConfig(prometheus({ auth: 'bearer', bearerTokenEnv: 'MY_PROM_TOKEN' }), {
      MY_PROM_TOKEN: 'env-token-abcdef',
    }).instant('up', 0);
    expect(requests[0].authorization).toBe('Bearer env-token-abcdef');
  });

  it('names the missing environment variable as a config error', () => {
    expect(() => promqlClientFromConfig(prometheus({ auth: 'basic', username: 'watcher' }), {})).toThrow(ConfigError);
    expect(() => promqlClientFromConfig(prometheus({ auth: 'basic', username: 'watcher' }), {})).toThrow(
      /passwordEnv: environment variable PROMETHEUS_PASSWORD is not set/,
    );
  });

  it('requires a username for basic auth', () => {
    expect(() => prometheus({ auth: 'basic' })).toThrow(/sources\.prometheus\.username: auth: basic needs a username/);
  });
});
