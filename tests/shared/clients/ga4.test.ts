import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { startFakeGoogleApis, type FakeGoogleApis } from '../../../infra/fakes/google-apis.ts';
import { Ga4RealtimeDemand } from '../../../shared/clients/ga4.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { UpstreamError } from '../../../shared/errors.ts';

/** A deadline far beyond any loopback answer; only a response that never comes meets a short one. */
const ANSWERS_WITHIN_MS = 10_000;
const TOKEN = 'ya29.test-access-token-ga4';
const MINUTE = 60_000;
// 12:00:30 — half-way through a minute, so minute starts and minutesAgo must be computed, not copied.
const T0 = Date.UTC(2024, 5, 1, 12, 0, 30);
const minuteStart = (t: number) => Math.floor(t / MINUTE) * MINUTE;

function auth(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return client;
}

describe('GA4 realtime demand through the googleapis client', () => {
  let fake: FakeGoogleApis;
  let store: MemoryStore;
  let now: number;
  const reader = (extra: Partial<ConstructorParameters<typeof Ga4RealtimeDemand>[0]> = {}) =>
    new Ga4RealtimeDemand({
      propertyId: '123456',
      auth: auth(),
      store,
      rootUrl: fake.rootUrl,
      clock: () => now,
      timeoutMs: ANSWERS_WITHIN_MS,
      ...extra,
    });

  beforeAll(async () => {
    fake = await startFakeGoogleApis({ accessToken: TOKEN });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    store = new MemoryStore();
    now = T0;
    fake.faults.clear();
    fake.requests.length = 0;
    fake.realtime.clear();
    fake.core.clear();
  });

  it('turns minutesAgo rows into per-minute samples, omitted minutes of a healthy report being zero', async () => {
    const perMinute = Array.from({ length: 30 }, (_, k) => (k === 7 ? 0 : 100 + k));
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute });

    const series = await reader().read(T0 - 30 * MINUTE, T0, MINUTE);

    expect(series).toHaveLength(29); // minutes 1..29; the current minute is incomplete
    expect(series[0]).toEqual({ t: minuteStart(T0) - 29 * MINUTE, v: 129 });
    expect(series.at(-1)).toEqual({ t: minuteStart(T0) - MINUTE, v: 101 });
    expect(series.find((s) => s.t === minuteStart(T0) - 7 * MINUTE)).toEqual({ t: minuteStart(T0) - 7 * MINUTE, v: 0 });
  });

  it('sends the property, the minutesAgo dimension, the configured metric and filter, with the bearer token', async () => {
    const filter = { filter: { fieldName: 'unifiedScreenName', stringFilter: { matchType: 'CONTAINS', value: 'Binder' } } };
    fake.realtime.set('123456', { metric: 'eventCount', perMinute: [0, 5] });

    await reader({ metric: 'eventCount', dimensionFilter: filter }).read(T0 - 30 * MINUTE, T0, MINUTE);

    const req = fake.requests[0];
    expect(req.method).toBe('POST');
    expect(decodeURIComponent(req.url)).toBe('/v1beta/properties/123456:runRealtimeReport');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(req.body)).toMatchObject({
      dimensions: [{ name: 'minutesAgo' }],
      metrics: [{ name: 'eventCount' }],
      dimensionFilter: filter,
    });
  });

  it('merges overlapping reads into a history longer than the 30 realtime minutes, the later read winning', async () => {
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 10) });
    await reader().read(T0 - 30 * MINUTE, T0, MINUTE);

    // 20 minutes later GA shows 20 per minute; minutes 21..29 ago of this read overlap the first read.
    now = T0 + 20 * MINUTE;
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 20) });
    const series = await reader().read(T0 - 60 * MINUTE, now, MINUTE);

    expect(series).toHaveLength(49); // 29 + 20 new minutes
    expect(series[0]).toEqual({ t: minuteStart(T0) - 29 * MINUTE, v: 10 });
    const firstOfSecondRead = minuteStart(now) - 29 * MINUTE;
    expect(series.filter((s) => s.t < firstOfSecondRead).every((s) => s.v === 10)).toBe(true);
    expect(series.filter((s) => s.t >= firstOfSecondRead).every((s) => s.v === 20)).toBe(true);
  });

  it('leaves minutes no read covered as gaps, not zeros', async () => {
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 10) });
    await reader().read(T0 - 30 * MINUTE, T0, MINUTE);
    now = T0 + 90 * MINUTE; // GA was not read for an hour and a half
    const series = await reader().read(T0 - 30 * MINUTE, now, MINUTE);

    const gapStart = minuteStart(T0);
    const gapEnd = minuteStart(now) - 29 * MINUTE;
    expect(series.some((s) => s.t >= gapStart && s.t < gapEnd)).toBe(false);
    expect(series).toHaveLength(58);
  });

  it('averages minutes into coarser steps, keeping the per-minute unit', async () => {
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, (_, k) => k) });
    const series = await reader().read(T0 - 30 * MINUTE, T0, 5 * MINUTE);
    for (const s of series) expect(s.t % (5 * MINUTE)).toBe(0);
    // The bucket starting 10 minutes before 12:00 holds minutesAgo 10..6 of 12:00 (values 10..6).
    const bucket = series.find((s) => s.t === minuteStart(T0) - 10 * MINUTE);
    expect(bucket?.v).toBe(8);
  });

  it('keeps the history bounded to the retention', async () => {
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 1) });
    await reader({ retentionMs: 40 * MINUTE }).read(0, T0, MINUTE);
    now = T0 + 30 * MINUTE;
    const series = await reader({ retentionMs: 40 * MINUTE }).read(0, now, MINUTE);
    expect(series[0].t).toBeGreaterThanOrEqual(now - 40 * MINUTE);
  });

  describe('never reports zero demand when GA cannot be read', () => {
    const cases: [string, (f: FakeGoogleApis) => void, number | undefined, number?][] = [
      ['a 429 quota error', (f) => f.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 30 }), 429],
      ['a 401', (f) => f.faults.add({ kind: 'status', status: 401 }), 401],
      ['a 403', (f) => f.faults.add({ kind: 'status', status: 403 }), 403],
      ['a 500', (f) => f.faults.add({ kind: 'status', status: 500 }), 500],
      ['a truncated JSON body', (f) => f.faults.add({ kind: 'truncated' }), undefined],
      ['an HTML page with status 200', (f) => f.faults.add({ kind: 'html' }), undefined],
      ['a report with no rows at all', (f) => f.realtime.set('123456', { metric: 'activeUsers', perMinute: [] }), undefined],
      ['a response that never comes', (f) => f.faults.add({ kind: 'hang' }), undefined, 500],
    ];
    it.each(cases)('%s is an UpstreamError and writes no history', async (_name, inject, status, timeoutMs) => {
      fake.realtime.set('123456', { metric: 'activeUsers', perMinute: [1, 2, 3] });
      inject(fake);
      const r = reader(timeoutMs ? { timeoutMs } : {});
      const err = await r.read(T0 - 30 * MINUTE, T0, MINUTE).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).upstream).toBe('ga4');
      expect((err as UpstreamError).status).toBe(status);
      expect(await store.get(r.historyKey)).toBeUndefined();
    });

    it('says when a quota error asks to retry later, and never shows the token', async () => {
      fake.realtime.set('123456', { metric: 'activeUsers', perMinute: [1, 2, 3] });
      fake.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 30 });
      const err = (await reader()
        .read(T0 - 30 * MINUTE, T0, MINUTE)
        .catch((e: unknown) => e)) as UpstreamError;
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('RESOURCE_EXHAUSTED');
      expect(err.message).toContain('retry after 30s');
      expect(err.message).not.toContain(TOKEN);
    });

    it('a 403 is not retryable', async () => {
      fake.faults.add({ kind: 'status', status: 403 });
      const err = (await reader()
        .read(T0 - 30 * MINUTE, T0, MINUTE)
        .catch((e: unknown) => e)) as UpstreamError;
      expect(err.retryable).toBe(false);
    });
  });

  it('keeps the history of earlier reads when a later read fails', async () => {
    fake.realtime.set('123456', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 4) });
    const r = reader();
    await r.read(T0 - 30 * MINUTE, T0, MINUTE);
    now = T0 + 5 * MINUTE;
    fake.faults.add({ kind: 'status', status: 503 });
    await expect(r.read(T0 - 30 * MINUTE, now, MINUTE)).rejects.toBeInstanceOf(UpstreamError);
    now = T0 + 6 * MINUTE;
    const series = await r.read(T0 - 30 * MINUTE, now, MINUTE);
    expect(series[0]).toEqual({ t: minuteStart(T0) - 29 * MINUTE, v: 4 });
  });
});

describe('GA4 demand older than realtime reaches, through the core report (runReport, dateHourMinute)', () => {
  let fake: FakeGoogleApis;
  const now = T0;
  const reader = (store: MemoryStore) =>
    new Ga4RealtimeDemand({
      propertyId: '424242',
      auth: auth(),
      store,
      rootUrl: fake.rootUrl,
      clock: () => now,
      timeoutMs: ANSWERS_WITHIN_MS,
    });
  beforeAll(async () => {
    fake = await startFakeGoogleApis({ accessToken: TOKEN });
  });
  afterAll(() => fake.close());

  it('reads the minutes of a range a day back in the property time zone, leaving minutes without a row as gaps', async () => {
    const perMinute = new Map<number, number>();
    const from = minuteStart(now) - 26 * 3_600_000; // across midnight in Los Angeles and a date change in UTC
    for (let k = 0; k < 26 * 60; k++) if (k % 97 !== 5) perMinute.set(from + k * MINUTE, 10 + (k % 13));
    fake.core.set('424242', { metric: 'activeUsers', timeZone: 'America/Los_Angeles', perMinute });

    const a = minuteStart(now) - 24 * 3_600_000;
    const b = minuteStart(now) - 20 * 3_600_000;
    const series = await reader(new MemoryStore()).read(a, b, MINUTE);

    const expected = [...perMinute].filter(([t]) => t >= a && t <= b).map(([t, v]) => ({ t, v }));
    expect(series).toEqual(expected);
    expect(series.length).toBeLessThan(4 * 60 + 1); // the k % 97 === 5 minutes are gaps, not zeros
    const req = fake.requests.at(-1)!;
    expect(decodeURIComponent(req.url)).toBe('/v1beta/properties/424242:runReport');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = JSON.parse(req.body);
    expect(body.dimensions).toEqual([{ name: 'dateHourMinute' }]);
    expect(body.metrics).toEqual([{ name: 'activeUsers' }]);
    expect(body.dateRanges).toHaveLength(1);
  });

  it('answers from the rolling history when it already holds the range, without asking GA', async () => {
    const store = new MemoryStore();
    fake.realtime.set('424242', { metric: 'activeUsers', perMinute: Array.from({ length: 30 }, () => 7) });
    fake.core.set('424242', { metric: 'activeUsers', timeZone: 'UTC', perMinute: new Map() });
    // A run 40 minutes ago stored its realtime minutes.
    await new Ga4RealtimeDemand({
      propertyId: '424242',
      auth: auth(),
      store,
      rootUrl: fake.rootUrl,
      clock: () => now - 40 * MINUTE,
      timeoutMs: ANSWERS_WITHIN_MS,
    }).read(now - 70 * MINUTE, now - 40 * MINUTE, MINUTE);
    const before = fake.requests.length;
    const series = await reader(store).read(minuteStart(now) - 65 * MINUTE, minuteStart(now) - 45 * MINUTE, MINUTE);
    expect(series).toHaveLength(21);
    expect(series.every((s) => s.v === 7)).toBe(true);
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a core report without the dateHourMinute column as malformed, naming GA4', async () => {
    fake.core.set('424242', { metric: 'eventCount', timeZone: 'UTC', perMinute: new Map([[minuteStart(now) - 5 * 3_600_000, 3]]) });
    await expect(reader(new MemoryStore()).read(now - 6 * 3_600_000, now - 4 * 3_600_000, MINUTE)).rejects.toThrow(UpstreamError);
  });
});
