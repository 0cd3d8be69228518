// The one config file, as a zod schema. Every field has a default that suits a
// mybinder.org-sized hub, so `{}` is a valid config (the replay's). Settings that
// would not mean what they say (a critical level below the warning one, a window of
// 0s, a schedule that never fires) are refused here, naming the field and the reason.
// Values are parsed here, once: a duration is written as text ("20m") and every
// duration field of the parsed Config is a number of milliseconds.
import { z } from 'zod';
import { formatDuration, isDuration, parseDuration } from '../duration.ts';
import { parseCron } from '../cron.ts';
import { CHECK_NAMES } from '../model.ts';
import { federationSchema } from './federation.ts';
import { sloSchema } from '../slo/config.ts';
import { maintenanceSchema } from '../maintenance.ts';

const DURATION_FORMAT = 'expected a duration like "20m"';
/** Windows and intervals span at most a year and a day, like a scenario and a schedule. */
const MAX_SPAN_MS = 366 * 86_400_000;
/** No single wait may outlast the Cloud Function (gen2 HTTP) that waits: 60 minutes. */
const MAX_TIMEOUT_MS = 3_600_000;
/** Reminders more often than this are noise (a 0s interval sent 611 in one replay). */
const MIN_REPEAT_MS = 60_000;

interface DurationLimits {
  /** Smallest allowed value in ms; 0 where "at once" means something. */
  min?: number;
  max?: number;
  /** The largest value and why, as the error states it. */
  maxText?: string;
}

/** A duration as text in the YAML (and the JSON Schema), milliseconds in the parsed Config; `def` is text like the YAML. */
export const duration = (def: string, { min = 1, max = MAX_SPAN_MS, maxText = '366d' }: DurationLimits = {}) =>
  z
    .string({ error: DURATION_FORMAT })
    .transform((text, ctx) => {
      const refuse = (message: string) => (ctx.addIssue({ code: 'custom', message }), z.NEVER);
      if (!isDuration(text)) return refuse(DURATION_FORMAT);
      const ms = parseDuration(text);
      if (ms < min) return refuse(min === 1 ? 'must be longer than 0s' : `must be at least ${formatDuration(min)}`);
      if (ms > max) return refuse(`must be at most ${maxText}`);
      return ms;
    })
    .prefault(def);

/** How long one request or one launch may take. */
const timeout = (def: string) => duration(def, { max: MAX_TIMEOUT_MS, maxText: '1h (a Cloud Function runs at most 60 minutes)' });
/** An age past which something counts; 0s means "at once". */
const threshold = (def: string) => duration(def, { min: 0 });

/** A cron schedule as text in the YAML, a parsed Cron (its text kept as `expr`) in the Config. */
const schedule = (def: string) =>
  z
    .string({ error: 'expected a cron schedule like "*/5 * * * *"' })
    .transform((s, ctx) => {
      try {
        return parseCron(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    })
    .prefault(def);

/** Relations are checked once the object and these fields are valid: zod runs refinements past a field's own issues. */
const onceValid = (...fields: string[]) => ({
  when: (payload: z.core.ParsePayload) => !payload.issues.some((i) => !i.path?.length || fields.includes(String(i.path[0]))),
});

const fraction = (def: number) => z.number().min(0).max(1).default(def);
// http(s) only: a javascript: or file: URL is accepted by URL parsers but can never be a hub.
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute URL like "https://mybinder.org" (http or https)' });

/** What Intl (and so every time shown to people) accepts: IANA names like "Europe/Berlin", or "UTC". */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A segment BinderHub's URL would resolve away: empty, "." or ".." (also percent-encoded, as URL parsers decode %2e). */
function escapingSegment(spec: string): string | undefined {
  for (const segment of spec.split('/')) {
    let raw = segment;
    try {
      raw = decodeURIComponent(segment);
    } catch {
      // a lone "%" is meant literally
    }
    if (raw === '' || raw === '.' || raw === '..') return raw;
  }
  return undefined;
}

const repoSpec = z
  .string()
  .regex(/^[a-z]+\/.+/, { message: 'expected provider/spec like "gh/org/repo/ref"' })
  .superRefine((spec, ctx) => {
    const bad = escapingSegment(spec);
    if (bad !== undefined) {
      const hint = /^git\/[a-z][a-z0-9+.-]*:\//i.test(spec)
        ? ' (escape a git repository URL: git/https%3A%2F%2Fgithub.com%2Forg%2Frepo/<ref>)'
        : '';
      ctx.addIssue({
        code: 'custom',
        message: `has ${bad === '' ? 'an empty' : `a "${bad}"`} segment: every part between "/" must name something, or the request leaves /build/${hint}`,
      });
    }
  });

/** When a finding becomes an alert, and when it stops being one. */
const alertRuleFields = z
  .object({
    failuresToFire: z.int().min(1).default(2).describe('Problem runs needed to fire.'),
    ofLastRuns: z
      .int()
      .min(1)
      .optional()
      .describe('Fire on `failuresToFire` problems among this many last runs (catches intermittent failure); default: consecutive.'),
    pendingFor: threshold('0s').describe('Alternatively fire once the problem has lasted this long (0s: by count only).'),
    successesToResolve: z.int().min(1).default(2).describe('Consecutive ok runs needed to resolve.'),
    unknownToFire: z.int().min(1).default(10).describe('Consecutive runs without data before a "cannot see" alert fires.'),
    repeatInterval: duration('2h', { min: MIN_REPEAT_MS }).describe('Reminder interval while firing (at least 1m).'),
  })
  .strict();

function tooManyFailures(failuresToFire: number, ofLastRuns: number | undefined): string | undefined {
  return ofLastRuns !== undefined && failuresToFire > ofLastRuns
    ? `must be at most ofLastRuns (${ofLastRuns}): ${failuresToFire} problems never fit in ${ofLastRuns} runs`
    : undefined;
}

const failuresFitRuns = (rule: { failuresToFire?: number; ofLastRuns?: number }, ctx: z.RefinementCtx) => {
  const message = rule.failuresToFire === undefined ? undefined : tooManyFailures(rule.failuresToFire, rule.ofLastRuns);
  if (message) ctx.addIssue({ code: 'custom', message, path: ['failuresToFire'] });
};

export const alertRuleSchema = alertRuleFields.superRefine(failuresFitRuns, onceValid('failuresToFire', 'ofLastRuns'));
export type AlertRule = z.output<typeof alertRuleSchema>;

/** A rule field without its default, so what a check's override leaves out comes from alerting.defaults, not the built-in value. */
const inherited = <T extends z.ZodType>(field: z.ZodDefault<T> | z.ZodPrefault<T>) =>
  field
    .unwrap()
    .optional()
    .describe(`${field.description ?? ''} Default: alerting.defaults.`.trim());
const f = alertRuleFields.shape;
const ruleOverride = z
  .object({
    failuresToFire: inherited(f.failuresToFire),
    ofLastRuns: f.ofLastRuns,
    pendingFor: inherited(f.pendingFor),
    successesToResolve: inherited(f.successesToResolve),
    unknownToFire: inherited(f.unknownToFire),
    repeatInterval: inherited(f.repeatInterval),
  })
  .strict()
  .superRefine(failuresFitRuns, onceValid('failuresToFire', 'ofLastRuns'))
  .optional();

const checkBase = {
  enabled: z.boolean().default(true),
  alert: ruleOverride.describe('Overrides alerting.defaults for this check.'),
};

const launchTarget = z
  .object({
    binderUrl: httpUrl.describe('BinderHub base URL.'),
    name: z.string().min(1).max(40).optional().describe('What alerts call this hub, e.g. mybinder.org; default: the host of binderUrl.'),
    repos: z.array(repoSpec).min(1).describe('provider/spec to launch, e.g. gh/binder-examples/requirements/HEAD.'),
    hubUrl: httpUrl
      .optional()
      .describe(
        'JupyterHub base URL for the admin API (GET/DELETE /hub/api/users/…); required with hubApiTokenEnv, the only origin the token is sent to. When set, `ready` must name a server under it ({hubUrl}user/<name>/), else no token (notebook or admin) is sent and the probe fails in contact.',
      ),
    hubApiTokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' })
      .optional()
      .describe(
        'Environment variable holding a hub API token (scopes admin:users, admin:servers) to confirm each probe server is gone and delete it if not.',
      ),
  })
  .strict()
  .refine((t) => !t.hubApiTokenEnv || t.hubUrl, {
    path: ['hubUrl'],
    message: 'is required with hubApiTokenEnv: the hub API token is sent only to this origin, never to a host a launch names',
  });

export const launchProbeSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/10 * * * *'),
    targets: z.array(launchTarget).default([]),
    timeout: timeout('10m').describe(
      'Deadline of one whole probe, stop included: launch and contact end a quarter of it (at most 2 min) early, kept for stopping the server.',
    ),
    idleTimeout: timeout('3m').describe('Give up when the event stream is silent this long.'),
    contactTimeout: timeout('30s'),
    stopRetries: z.int().min(0).default(3).describe('Retries of POST {url}api/shutdown after the first attempt.'),
    stopConfirmTimeout: timeout('45s').describe(
      'How long to wait for the hub to list a stopped server as gone before deleting it through the hub API (the hub notices on its next poll, Spawner.poll_interval).',
    ),
    concurrency: z.int().min(1).default(4),
    alert: ruleOverride
      .prefault({ failuresToFire: 1, successesToResolve: 1 })
      .describe(
        'The detector weighs the evidence itself (each failed launch retried once in the run, failures summed per hub until they outweigh 3 % random failures): fire and resolve on its verdict.',
      ),
  })
  .strict();

export const binderHealthSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/2 * * * *'),
    binderUrls: z.array(httpUrl).default([]).describe('Hubs whose /health to read; default: the launch probe targets.'),
    quotaWarnAt: fraction(0.9).describe('Pod quota use that is a warning.'),
    timeout: timeout('20s'),
  })
  .strict();

const demandSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('ga4'),
      propertyId: z.string().regex(/^\d+$/, { message: 'expected the numeric GA4 property id' }),
      metric: z.string().default('activeUsers'),
      /** GA4 Data API FilterExpression, passed through. */
      dimensionFilter: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  z.object({ source: z.literal('promql'), query: z.string().min(1) }).strict(),
]);

export const trafficVsPodsSchema = z
  .object({
    ...checkBase,
    // Every minute: GA realtime is per minute, and two runs in a row fire the alert.
    schedule: schedule('* * * * *'),
    demand: demandSchema.optional().describe('Where arrivals are read; GA4 realtime or a PromQL expression.'),
    podsQuery: z.string().default('sum(jupyterhub_running_servers)').describe('PromQL for running user servers.'),
    baseline: duration('2h').describe('Trailing healthy window the model is fitted on.'),
    window: duration('30m').describe('Evaluation window: pods predicted forward over it.'),
    sigmas: z.number().positive().default(4).describe('Shortfall must exceed this many √expected (Poisson noise).'),
    minShortfall: fraction(0.05).describe('…and this fraction of expected pods.'),
    minPods: z.number().min(0).default(20).describe('Below this many expected pods the check stays quiet.'),
    sessionLength: z
      .object({ min: duration('5m'), max: duration('3h') })
      .strict()
      .refine((w) => w.min < w.max, { message: 'must be shorter than max', path: ['min'], ...onceValid('min', 'max') })
      .prefault({})
      .describe('Range the mean session length W is fitted in.'),
    maxDemandGap: duration('10m').describe('Demand or pods missing longer than this at the end of the window is "unknown".'),
    persistFor: duration('0s', { min: 0 }).describe(
      'A shortfall opens an incident only after it held on every run this long (launches waiting minutes for a new node catch up); 0s: at once.',
    ),
    severity: z.enum(['warning', 'critical']).default('critical'),
  })
  .strict();

const nodePoolRef = z
  .object({
    project: z.string().min(1),
    location: z.string().min(1).describe('Cluster location (region or zone).'),
    cluster: z.string().min(1),
    pool: z.string().min(1),
  })
  .strict();

export const nodeHeadroomSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/5 * * * *'),
    pools: z.array(nodePoolRef).default([]),
    warnAt: fraction(0.8),
    criticalAt: fraction(0.93),
    forecastWindow: duration('30m').describe('Recent window the time-to-max slope is read from.'),
    alert: ruleOverride
      .prefault({ failuresToFire: 1 })
      .describe('Node counts are capacity facts, not noise: fire on the first run past the threshold (within one */5 schedule).'),
  })
  .strict()
  .refine((h) => h.criticalAt >= h.warnAt, {
    error: (iss) => `must be at least warnAt (${(iss.input as { warnAt: number }).warnAt})`,
    path: ['criticalAt'],
    ...onceValid('warnAt', 'criticalAt'),
  });

export const clusterHealthSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/5 * * * *'),
    cluster: nodePoolRef
      .omit({ pool: true })
      .optional()
      .describe("The GKE cluster to watch; default: the first nodeHeadroom pool's cluster."),
    infraCrashLoopFor: threshold('15m').describe('An infrastructure pod crash-looping this long is a warning on its own.'),
    pendingFor: threshold('15m').describe('A pod pending this long counts as a problem pod.'),
    suspectOwners: z.int().min(2).default(2).describe('Distinct crash-looping owners on one node that make it a suspect.'),
    cullerMaxAge: duration('8h').describe('User pods older than this suggest the culler is stuck.'),
  })
  .strict();

const channelNames = z.enum(['slack', 'email', 'console', 'pagerduty', 'webhook']);

export const configSchema = z
  .object({
    displayTimeZone: z
      .string()
      .refine(isTimeZone, {
        error: (iss) => `unknown time zone "${String(iss.input)}": expected an IANA name like "America/Los_Angeles" or "UTC"`,
      })
      .default('America/Los_Angeles')
      .describe('Time zone for human-readable times (IANA name).'),
    federation: federationSchema(duration)
      .optional()
      .describe('Several BinderHubs behind one front door (mybinder.org): every check runs per member, plus the federation view.'),
    checks: z
      .object({
        launchProbe: launchProbeSchema.prefault({}),
        binderHealth: binderHealthSchema.prefault({}),
        trafficVsPods: trafficVsPodsSchema.prefault({}),
        nodeHeadroom: nodeHeadroomSchema.prefault({}),
        clusterHealth: clusterHealthSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    maintenance: maintenanceSchema(duration, isTimeZone),
    statusPage: z
      .object({
        title: z.string().min(1).max(120).default('Binder status').describe('Heading of the public status page.'),
        bucket: z
          .string()
          .min(3)
          .optional()
          .describe('Public GCS bucket the statusPage function writes status.html and status.json to (its own; never the state bucket).'),
      })
      .strict()
      .prefault({}),
    slo: sloSchema(duration).prefault({}).describe('Launch SLOs per hub: daily SLIs, error budget, burn-rate alerts.'),
    sources: z
      .object({
        prometheus: z
          .object({
            url: httpUrl.describe('Prometheus base URL, or the Cloud Monitoring PromQL endpoint.'),
            auth: z
              .enum(['none', 'basic', 'bearer', 'google'])
              .default('none')
              .describe('google: the runtime service account (Managed Service for Prometheus).'),
            username: z.string().min(1).optional().describe('For auth: basic.'),
            passwordEnv: z
              .string()
              .default('PROMETHEUS_PASSWORD')
              .describe('Environment variable holding the basic-auth password (secrets stay out of this file).'),
            bearerTokenEnv: z.string().default('PROMETHEUS_TOKEN').describe('Environment variable holding the bearer token.'),
            timeout: timeout('30s').describe('Per query request.'),
          })
          .strict()
          .refine((p) => p.auth !== 'basic' || p.username !== undefined, {
            message: 'auth: basic needs a username',
            path: ['username'],
          })
          .optional(),
        kubernetes: z
          .object({
            kubeconfig: z.string().optional().describe('Path; default: the GKE endpoint with the service account token.'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    alerting: z
      .object({
        defaults: alertRuleSchema.prefault({}),
        routes: z
          .array(z.object({ severity: z.enum(['warning', 'critical']), channels: z.array(channelNames).min(1) }).strict())
          .default([
            { severity: 'critical', channels: ['slack', 'email', 'console'] },
            { severity: 'warning', channels: ['slack', 'console'] },
          ])
          .describe('Severity → channels. Channels that are not configured are skipped.'),
        silences: z
          .array(
            z
              .object({
                match: z.string().min(1).describe('Alert key glob, e.g. "node:gke-prod-*".'),
                until: z.iso
                  .datetime({ offset: true, error: 'expected an ISO time like "2018-01-18T12:00:00Z"' })
                  // Epoch ms in the parsed Config, compared with `now` on every run.
                  .transform((iso) => Date.parse(iso)),
                reason: z.string().min(1),
              })
              .strict(),
          )
          .prefault([]),
        state: z
          .discriminatedUnion('type', [
            z.object({ type: z.literal('memory') }).strict(),
            z.object({ type: z.literal('file'), dir: z.string().default('.binderwatch-state') }).strict(),
            z.object({ type: z.literal('gcs'), bucket: z.string().min(3), prefix: z.string().default('state/') }).strict(),
          ])
          .default({ type: 'file', dir: '.binderwatch-state' }),
        links: z
          .object({ dashboard: httpUrl.optional(), hub: httpUrl.optional() })
          .strict()
          .default({})
          .describe('Links added to every notification.'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine(
    (config, ctx) => {
      // Each rule object checks its own pair; here a check's override meets the defaults it inherits.
      // It also runs when other fields are wrong (so all problems show at once): read defensively.
      type Rule = { failuresToFire?: unknown; ofLastRuns?: unknown } | undefined;
      const count = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 ? (v as number) : undefined);
      const defaults = (config.alerting as { defaults?: Rule } | undefined)?.defaults;
      for (const check of CHECK_NAMES) {
        const own = (config.checks?.[check] as { alert?: Rule } | undefined)?.alert;
        const ownN = count(own?.failuresToFire);
        const ownM = count(own?.ofLastRuns);
        if ((ownN === undefined) === (ownM === undefined)) continue;
        const n = ownN ?? count(defaults?.failuresToFire);
        const message = n === undefined ? undefined : tooManyFailures(n, ownM ?? count(defaults?.ofLastRuns));
        const field = ownN === undefined ? 'ofLastRuns' : 'failuresToFire';
        if (message)
          ctx.addIssue({
            code: 'custom',
            message: `${message} (the rest from alerting.defaults)`,
            path: ['checks', check, 'alert', field],
          });
      }
    },
    { when: () => true },
  );

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type LaunchProbeConfig = Config['checks']['launchProbe'];
export type BinderHealthConfig = Config['checks']['binderHealth'];
export type TrafficVsPodsConfig = Config['checks']['trafficVsPods'];
export type NodeHeadroomConfig = Config['checks']['nodeHeadroom'];
export type ClusterHealthConfig = Config['checks']['clusterHealth'];
export type CheckConfigs = Config['checks'];
export type Silence = Config['alerting']['silences'][number];
