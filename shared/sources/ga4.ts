// Demand a(t) from Google Analytics 4 realtime (Data API `runRealtimeReport`,
// dimension `minutesAgo`). Realtime covers only the last 30 minutes, so every read
// merges the minutes it got into a rolling history in the state store and answers
// from that history.
//
// Zero versus missing: GA omits rows whose metric is zero. A report that has rows
// is healthy, so a minute 1..29 it does not list had zero demand and is stored as
// 0. A report with no rows at all is indistinguishable from a broken property or
// filter and is an UpstreamError, never zero demand. Minute 0 (the current,
// incomplete minute) is not stored; minutes no run ever read stay gaps.
import { createHash } from 'node:crypto';
import { analyticsdata, type analyticsdata_v1beta } from '@googleapis/analyticsdata';
import type { Series } from '../model.ts';
import type { StateStore } from '../alerting/store.ts';
import { UpstreamError } from '../errors.ts';
import { sliceSeries } from '../series.ts';
import { appendHistory, resample } from './history.ts';
import type { DemandReader } from './traffic.ts';
import { googleRequestOptions, googleUpstreamError, malformed, type GoogleApiAuth } from './google-api.ts';

export interface Ga4DemandOptions {
  /** Numeric GA4 property id. */
  propertyId: string;
  /** Realtime metric, e.g. activeUsers or eventCount. */
  metric?: string;
  /** GA4 Data API FilterExpression on dimensions, passed through. */
  dimensionFilter?: Record<string, unknown>;
  auth: GoogleApiAuth;
  store: StateStore;
  /** API root, e.g. a loopback server in tests; default the public endpoint. */
  rootUrl?: string;
  /** How much history to keep (default 26 h: a day plus a baseline). */
  retentionMs?: number;
  timeoutMs?: number;
  /** GA reports minutes relative to its own present; the wall clock by default. */
  clock?: () => number;
}

const UPSTREAM = 'ga4';
const MINUTE = 60_000;
/** Realtime minutes a standard property reports: minutesAgo 0..29. */
const REALTIME_MINUTES = 30;

export class Ga4RealtimeDemand implements DemandReader {
  private readonly client: analyticsdata_v1beta.Analyticsdata;
  private readonly metric: string;
  /** Store key of the rolling history; metric and filter are part of it so a config change starts a fresh history. */
  readonly historyKey: string;

  constructor(private readonly opts: Ga4DemandOptions) {
    this.metric = opts.metric ?? 'activeUsers';
    this.client = analyticsdata({
      version: 'v1beta',
      auth: opts.auth as analyticsdata_v1beta.Options['auth'],
      ...(opts.rootUrl ? { rootUrl: opts.rootUrl } : {}),
    });
    const filter = opts.dimensionFilter
      ? '/' + createHash('sha256').update(JSON.stringify(opts.dimensionFilter)).digest('hex').slice(0, 12)
      : '';
    this.historyKey = `history/demand/ga4/${opts.propertyId}/${this.metric}${filter}`;
  }

  async read(fromMs: number, toMs: number, stepMs: number): Promise<Series> {
    const now = (this.opts.clock ?? Date.now)();
    const minutes = await this.readRealtimeMinutes(now);
    const history = await appendHistory(this.opts.store, this.historyKey, minutes, {
      now,
      retentionMs: this.opts.retentionMs ?? 26 * 3_600_000,
    });
    const range = sliceSeries(history, fromMs, toMs);
    return stepMs > MINUTE ? resample(range, stepMs) : range;
  }

  /** One realtime report → the complete minutes 1..29 as samples stamped at each minute's start. */
  private async readRealtimeMinutes(now: number): Promise<Series> {
    let data: unknown;
    try {
      const res = await this.client.properties.runRealtimeReport(
        {
          property: `properties/${this.opts.propertyId}`,
          requestBody: {
            dimensions: [{ name: 'minutesAgo' }],
            metrics: [{ name: this.metric }],
            minuteRanges: [{ startMinutesAgo: REALTIME_MINUTES - 1, endMinutesAgo: 0 }],
            ...(this.opts.dimensionFilter ? { dimensionFilter: this.opts.dimensionFilter } : {}),
          },
        },
        googleRequestOptions(this.opts.timeoutMs ?? 30_000),
      );
      data = res.data;
    } catch (e) {
      throw googleUpstreamError(UPSTREAM, e);
    }
    return minutesFromReport(data, this.metric, now);
  }
}

function minutesFromReport(data: unknown, metric: string, now: number): Series {
  if (typeof data !== 'object' || data === null) throw malformed(UPSTREAM, 'not a JSON object');
  const report = data as analyticsdata_v1beta.Schema$RunRealtimeReportResponse;
  const dimIndex = (report.dimensionHeaders ?? []).findIndex((h) => h.name === 'minutesAgo');
  const metricIndex = (report.metricHeaders ?? []).findIndex((h) => h.name === metric);
  if (dimIndex < 0 || metricIndex < 0) throw malformed(UPSTREAM, `no minutesAgo / ${metric} column`);
  const rows = report.rows ?? [];
  if (rows.length === 0) {
    // GA omits zero rows, so an empty report cannot be told from a broken property or filter.
    throw new UpstreamError(UPSTREAM, 'empty realtime report (no rows for any minute)');
  }
  const perMinute = new Array<number>(REALTIME_MINUTES).fill(0);
  for (const row of rows) {
    const ago = Number(row.dimensionValues?.[dimIndex]?.value);
    const value = Number(row.metricValues?.[metricIndex]?.value);
    if (!Number.isInteger(ago) || ago < 0 || !Number.isFinite(value) || value < 0) {
      throw malformed(UPSTREAM, 'a row without a valid minutesAgo and metric value');
    }
    if (ago < REALTIME_MINUTES) perMinute[ago] += value;
  }
  const currentMinute = Math.floor(now / MINUTE) * MINUTE;
  return perMinute.slice(1).map((v, i) => ({ t: currentMinute - (i + 1) * MINUTE, v }));
}
