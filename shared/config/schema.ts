// The one config file, as a zod schema. Every field has a default that suits a
// mybinder.org-sized hub, so `{}` is a valid config (the replay's).
import { z } from 'zod';
import { isDuration } from '../duration.ts';
import { parseCron } from '../cron.ts';

const duration = (def: string) =>
  z
    .string({ error: 'expected a duration like "20m"' })
    .refine(isDuration, { message: 'expected a duration like "20m"' })
    .default(def);

const schedule = (def: string) =>
  z
    .string({ error: 'expected a cron schedule like "*/5 * * * *"' })
    .refine(
      (s) => {
        try {
          parseCron(s);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected a 5-field cron schedule like "*/5 * * * *" (UTC)' },
    )
    .default(def);

const fraction = (def: number) => z.number().min(0).max(1).default(def);
const url = z.url({ error: 'expected an absolute URL like "https://mybinder.org"' });

/** When a finding becomes an alert, and when it stops being one. */
export const alertRuleSchema = z
  .object({
    failuresToFire: z.int().min(1).default(2).describe('Problem runs needed to fire.'),
    ofLastRuns: z
      .int()
      .min(1)
      .optional()
      .describe('Fire on `failuresToFire` problems among this many last runs (catches intermittent failure); default: consecutive.'),
    pendingFor: duration('0s').describe('Alternatively fire once the problem has lasted this long.'),
    successesToResolve: z.int().min(1).default(2).describe('Consecutive ok runs needed to resolve.'),
    unknownToFire: z.int().min(1).default(10).describe('Consecutive runs without data before a "cannot see" alert fires.'),
    repeatInterval: duration('2h').describe('Reminder interval while firing.'),
  })
  .strict();
export type AlertRule = z.output<typeof alertRuleSchema>;

const ruleOverride = alertRuleSchema.partial().strict().optional();

const checkBase = {
  enabled: z.boolean().default(true),
  alert: ruleOverride.describe('Overrides alerting.defaults for this check.'),
};

const launchTarget = z
  .object({
    binderUrl: url.describe('BinderHub base URL.'),
    repos: z
      .array(z.string().regex(/^[a-z]+\/.+/, { message: 'expected provider/spec like "gh/org/repo/ref"' }))
      .min(1)
      .describe('provider/spec to launch, e.g. gh/binder-examples/requirements/HEAD.'),
    hubUrl: url
      .optional()
      .describe('JupyterHub base URL for the admin API (GET/DELETE /hub/api/users/…); required with hubApiTokenEnv, the only origin the token is sent to.'),
    hubApiTokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' })
      .optional()
      .describe('Environment variable holding a hub API token (scopes admin:users, admin:servers) to confirm each probe server is gone and delete it if not.'),
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
    timeout: duration('10m').describe('Deadline of one whole probe, stop included: launch and contact end a quarter of it (at most 2 min) early, kept for stopping the server.'),
    idleTimeout: duration('3m').describe('Give up when the event stream is silent this long.'),
    contactTimeout: duration('30s'),
    stopRetries: z.int().min(0).default(3).describe('Retries of POST {url}api/shutdown after the first attempt.'),
    stopConfirmTimeout: duration('45s').describe(
      "How long to wait for the hub to list a stopped server as gone before deleting it through the hub API (the hub notices on its next poll, Spawner.poll_interval).",
    ),
    concurrency: z.int().min(1).default(4),
    alert: ruleOverride
      .default({ failuresToFire: 2, ofLastRuns: 3, successesToResolve: 3 })
      .describe('Launches fail intermittently when one node is sick: fire on 2 of the last 3 probes, resolve after 3 good ones.'),
  })
  .strict();

export const binderHealthSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/2 * * * *'),
    binderUrls: z.array(url).default([]).describe('Hubs whose /health to read; default: the launch probe targets.'),
    quotaWarnAt: fraction(0.9).describe('Pod quota use that is a warning.'),
    timeout: duration('20s'),
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
      .prefault({})
      .describe('Range the mean session length W is fitted in.'),
    maxDemandGap: duration('10m').describe('Demand or pods missing longer than this at the end of the window is "unknown".'),
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
  })
  .strict();

export const clusterHealthSchema = z
  .object({
    ...checkBase,
    schedule: schedule('*/5 * * * *'),
    cluster: nodePoolRef.omit({ pool: true }).optional().describe('The GKE cluster to watch; default: the first nodeHeadroom pool\'s cluster.'),
    userNamespaces: z.array(z.string()).default([]).describe('Namespaces of user servers (informational; bare pods are user servers anywhere).'),
    infraCrashLoopFor: duration('15m').describe('An infrastructure pod crash-looping this long is a warning on its own.'),
    pendingFor: duration('15m').describe('A pod pending this long counts as a problem pod.'),
    suspectOwners: z.int().min(2).default(2).describe('Distinct crash-looping owners on one node that make it a suspect.'),
    cullerMaxAge: duration('8h').describe('User pods older than this suggest the culler is stuck.'),
  })
  .strict();

const channelNames = z.enum(['slack', 'email', 'console']);

export const configSchema = z
  .object({
    displayTimeZone: z.string().default('America/Los_Angeles').describe('Time zone for human-readable times.'),
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
    sources: z
      .object({
        prometheus: z
          .object({
            url: url.describe('Prometheus base URL, or the Cloud Monitoring PromQL endpoint.'),
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
            timeout: duration('30s').describe('Per query request.'),
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
                until: z.iso.datetime({ offset: true, error: 'expected an ISO time like "2018-01-18T12:00:00Z"' }),
                reason: z.string().min(1),
              })
              .strict(),
          )
          .default([]),
        state: z
          .discriminatedUnion('type', [
            z.object({ type: z.literal('memory') }).strict(),
            z.object({ type: z.literal('file'), dir: z.string().default('.binderwatch-state') }).strict(),
            z.object({ type: z.literal('gcs'), bucket: z.string().min(3), prefix: z.string().default('state/') }).strict(),
          ])
          .default({ type: 'file', dir: '.binderwatch-state' }),
        links: z
          .object({ dashboard: url.optional(), hub: url.optional() })
          .strict()
          .default({})
          .describe('Links added to every notification.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type LaunchProbeConfig = Config['checks']['launchProbe'];
export type BinderHealthConfig = Config['checks']['binderHealth'];
export type TrafficVsPodsConfig = Config['checks']['trafficVsPods'];
export type NodeHeadroomConfig = Config['checks']['nodeHeadroom'];
export type ClusterHealthConfig = Config['checks']['clusterHealth'];
export type CheckConfigs = Config['checks'];
