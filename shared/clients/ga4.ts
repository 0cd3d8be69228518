// Demand a(t) from Google Analytics 4: the realtime report (Data API
// `runRealtimeReport`, dimension `minutesAgo`, the last 30 minutes) and the core
// report (`runReport`, dimension `dateHourMinute`) for older minutes. Stateless:
// the rolling history that realtime's 30 minutes call for is kept by the traffic
// source (sources/traffic-vs-pods.ts).
//
// Zero versus missing: GA omits rows whose metric is zero. A report that has rows
// is healthy, so a minute 1..29 it does not list had zero demand and is stored as
// 0. A report with no rows at all is indistinguishable from a broken property or
// filter and is an UpstreamError, never zero demand. Minute 0 (the current,
// incomplete minute) is not stored; minutes no run ever read stay gaps.
import { analyticsdata, type analyticsdata_v1beta } from '@googleapis/analyticsdata';
import type { Series } from '../model.ts';
import { UpstreamError } from '../errors.ts';
import { googleRequestOptions, googleUpstreamError, malformed, type GoogleApiAuth } from './google-api.ts';
import { DAY_MS, MINUTE_MS } from '../time.ts';

export interface Ga4Options {
  /** Numeric GA4 property id. */
  propertyId: string;
  /** Realtime metric, e.g. activeUsers or eventCount. */
  metric?: string;
  /** GA4 Data API FilterExpression on dimensions, passed through. */
  dimensionFilter?: Record<string, unknown>;
  auth: GoogleApiAuth;
  /** API root, e.g. a loopback server in tests; default the public endpoint. */
  rootUrl?: string;
  timeoutMs?: number;
}

const UPSTREAM = 'ga4';
/** Realtime minutes a standard property reports: minutesAgo 0..29. */
export const REALTIME_MINUTES = 30;
/** Rows of one core report: three days of minutes (the range and a day either side) fit. */
const CORE_ROW_LIMIT = 5_000;

export class Ga4Client {
  private readonly client: analyticsdata_v1beta.Analyticsdata;
  readonly metric: string;

  constructor(readonly opts: Ga4Options) {
    this.metric = opts.metric ?? 'activeUsers';
    this.client = analyticsdata({
      version: 'v1beta',
      auth: opts.auth as analyticsdata_v1beta.Options['auth'],
      ...(opts.rootUrl ? { rootUrl: opts.rootUrl } : {}),
    });
  }

  /** One core report over the dates around [fromMs, toMs] → the minutes with rows in that range. */
  async readCoreMinutes(fromMs: number, toMs: number): Promise<Series> {
    // Dates are the property's; a day either side covers any time zone, and the rows are cut to the range.
    const date = (t: number) => new Date(t).toISOString().slice(0, 10);
    let data: unknown;
    try {
      const res = await this.client.properties.runReport(
        {
          property: `properties/${this.opts.propertyId}`,
          requestBody: {
            dateRanges: [{ startDate: date(fromMs - DAY_MS), endDate: date(toMs + DAY_MS) }],
            dimensions: [{ name: 'dateHourMinute' }],
            metrics: [{ name: this.metric }],
            limit: String(CORE_ROW_LIMIT),
            ...(this.opts.dimensionFilter ? { dimensionFilter: this.opts.dimensionFilter } : {}),
          },
        },
        googleRequestOptions(this.opts.timeoutMs ?? 30_000),
      );
      data = res.data;
    } catch (e) {
      throw googleUpstreamError(UPSTREAM, e);
    }
    return minutesFromCoreReport(data, this.metric).filter((s) => s.t >= fromMs && s.t <= toMs);
  }

  /** One realtime report → the complete minutes 1..29 as samples stamped at each minute's start (GA's present is `now`). */
  async readRealtimeMinutes(now: number): Promise<Series> {
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
  const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return perMinute.slice(1).map((v, i) => ({ t: currentMinute - (i + 1) * MINUTE_MS, v }));
}

function minutesFromCoreReport(data: unknown, metric: string): Series {
  if (typeof data !== 'object' || data === null) throw malformed(UPSTREAM, 'not a JSON object');
  const report = data as analyticsdata_v1beta.Schema$RunReportResponse;
  const dimIndex = (report.dimensionHeaders ?? []).findIndex((h) => h.name === 'dateHourMinute');
  const metricIndex = (report.metricHeaders ?? []).findIndex((h) => h.name === metric);
  if (dimIndex < 0 || metricIndex < 0) throw malformed(UPSTREAM, `no dateHourMinute / ${metric} column`);
  const timeZone = report.metadata?.timeZone ?? 'UTC';
  const out: Series = [];
  for (const row of report.rows ?? []) {
    const when = row.dimensionValues?.[dimIndex]?.value ?? '';
    const value = Number(row.metricValues?.[metricIndex]?.value);
    if (!/^\d{12}$/.test(when) || !Number.isFinite(value) || value < 0)
      throw malformed(UPSTREAM, 'a row without a valid dateHourMinute and metric value');
    out.push({ t: zonedMinuteToEpoch(when, timeZone), v: value });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** `YYYYMMDDHHmm` as a wall-clock minute in `timeZone` → epoch ms. */
export function zonedMinuteToEpoch(when: string, timeZone: string): number {
  const [y, mo, d, h, mi] = [0, 4, 6, 8, 10].map((i, k) => Number(when.slice(i, k === 0 ? 4 : i + 2)));
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    throw malformed(UPSTREAM, `unknown time zone ${JSON.stringify(timeZone).slice(0, 60)}`);
  }
  // The zone's offset at a time t: its wall clock there minus t. Two rounds settle a DST edge.
  const offset = (t: number) => {
    const p = Object.fromEntries(format.formatToParts(t).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - t;
  };
  const guess = wall - offset(wall);
  return wall - offset(guess);
}
