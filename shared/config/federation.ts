// A federation: several BinderHubs (members) behind one front door, the way mybinder.org
// runs (a federation-redirect service answering /build and /v2 with a 307 to one member).
// A member is written with the redirector's own fields (url, health, versions, weight,
// prime), so its `hosts` map can be pasted as it is, plus what only binderwatch needs:
// who owns the member, and optionally its Prometheus, cluster and demand source.
import { z } from 'zod';

/** http(s) URL; kept here rather than imported so this file has no cycle with schema.ts. */
const url = (what: string) => z.url({ protocol: /^https?$/, error: `expected an absolute http(s) URL (${what})` });

const NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const owners = z
  .object({
    slackChannel: z
      .string()
      .regex(SLACK_CHANNEL_ID, { message: 'expected a Slack channel ID like C0123456789 (sent with BINDERWATCH_SLACK_BOT_TOKEN)' })
      .optional(),
    email: z.array(z.string().regex(ADDRESS, { message: 'expected an email address' })).default([]),
  })
  .strict()
  .describe("Where this member's own alerts go besides the default channels (federation findings go to every owner).");

const prometheus = z
  .object({
    url: url('the member Prometheus'),
    auth: z.enum(['none', 'basic', 'bearer']).default('none'),
    username: z.string().min(1).optional(),
    passwordEnv: z.string().regex(ENV_NAME).optional(),
    bearerTokenEnv: z.string().regex(ENV_NAME).optional(),
    podsQuery: z.string().min(1).optional().describe('Default: checks.trafficVsPods.podsQuery.'),
    demandQuery: z.string().min(1).optional().describe('PromQL demand per minute; default: none (no traffic check for this member).'),
  })
  .strict()
  .refine((p) => p.auth !== 'basic' || p.username !== undefined, { message: 'auth: basic needs a username', path: ['username'] });

const cluster = z.union([
  z
    .object({
      gke: z.object({ project: z.string().min(1), location: z.string().min(1), cluster: z.string().min(1) }).strict(),
      pools: z.array(z.string().min(1)).default([]).describe('Node pools whose headroom to watch.'),
    })
    .strict(),
  z
    .object({
      kubeconfig: z.string().min(1).describe('Path to a kubeconfig for this member (k3s, OVH, Hetzner …).'),
    })
    .strict(),
]);

const headroom = z
  .union([
    z.enum(['gke', 'autoscalerStatus', 'podQuota']),
    z.object({ maxNodes: z.int().min(1).describe('The cluster does not scale: this many nodes at most.') }).strict(),
  ])
  .optional()
  .describe(
    "Where the room left is read: gke (the pools' autoscaler max), autoscalerStatus (kube-system/cluster-autoscaler-status), a fixed maxNodes, or podQuota (BinderHub /health); default: gke with a GKE cluster, autoscalerStatus with a kubeconfig, else podQuota.",
  );

const memberFields = {
  url: url('the member BinderHub, e.g. "https://gesis.mybinder.org"'),
  health: url('its /health').optional().describe('Default: <url>/health.'),
  versions: url('its /versions').optional().describe('Default: <url>/versions.'),
  weight: z.number().min(0).default(1).describe('Share of the front door launches (0: out of the rotation).'),
  prime: z.boolean().default(false).describe('The member whose /versions the others must match; it takes traffic when none is healthy.'),
  owners: owners.prefault({}),
  prometheus: prometheus.optional(),
  cluster: cluster.optional(),
  headroom,
};

const memberSchema = z
  .object({ name: z.string().regex(NAME, { message: 'expected a host-like name: a-z, 0-9, "." and "-"' }), ...memberFields })
  .strict();
export type FederationMember = z.output<typeof memberSchema> & { health: string; versions: string };

/** The redirector's `hosts` map (name → fields) or a list with `name`: both become a list. */
const members = z.union([
  z.array(memberSchema).min(1),
  z
    .record(z.string(), z.object(memberFields).strict())
    .refine((m) => Object.keys(m).length > 0, { message: 'expected at least one member' })
    .transform((m) => Object.entries(m).map(([name, fields]) => ({ name, ...fields }))),
]);

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** Durations are parsed by the config's own duration field (schema.ts passes it in: one parser, no import cycle). */
export type DurationField = (def: string) => z.ZodType<number, string | undefined>;

export const federationSchema = (duration: DurationField) =>
  z
    .object({
      frontDoor: url('the federation-redirect service, e.g. "https://mybinder.org"').describe(
        'Where users launch; it sends each launch on to a member.',
      ),
      members,
      repos: z
        .array(z.string().regex(/^[a-z]+\/.+/, { message: 'expected provider/spec like "gh/org/repo/ref"' }))
        .min(1)
        .default(['gh/binder-examples/requirements/HEAD'])
        .describe('Launched on every member directly and through the front door.'),
      podHeadroom: z
        .int()
        .min(0)
        .default(10)
        .describe("The redirector's pod_headroom: a member this close to its pod quota leaves the rotation."),
      memberBudget: duration('4m').describe(
        'How long one member may take in one run; a slower member is "cannot see" for that run, the others go on.',
      ),
      fillWarnWithin: duration('2h').describe('Federation capacity: warn when the healthy members fill within this.'),
    })
    .strict()
    .superRefine((f, ctx) => {
      const names = f.members.map((m) => m.name);
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `"${n}" is named twice` });
      });
      const primes = f.members.filter((m) => m.prime).length;
      if (primes !== 1)
        ctx.addIssue({ code: 'custom', path: ['members'], message: `exactly one member must be prime: true (found ${primes})` });
    })
    .transform((f) => ({
      ...f,
      // The redirector's defaults: health and versions under the member's own URL.
      members: f.members.map((m) => ({
        ...m,
        health: m.health ?? `${trimSlash(m.url)}/health`,
        versions: m.versions ?? `${trimSlash(m.url)}/versions`,
      })),
    }));

export type FederationConfig = z.output<ReturnType<typeof federationSchema>>;
