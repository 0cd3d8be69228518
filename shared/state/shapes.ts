// The shape of every kind of stored object, by key prefix (see keys.ts), checked by the
// stores on every read: an object of the wrong shape (edited by hand, written by another
// version, damaged) is treated like unreadable bytes: logged once at ERROR with its key,
// read as absent, and replaced by the next write. Without this, one such object would
// blind or silence a check on every run (a detector that throws is "cannot see source").
// Objects keep fields a schema does not name (looseObject): a newer field passes unchecked.
import { z } from 'zod';
import { launchMemoryShape } from '../detectors/launch-probe.ts';
import { trafficMemoryShape } from '../detectors/traffic-vs-pods.ts';

/** A rolling series: [t, v] pairs (history.ts). */
const historyShape = z.looseObject({ samples: z.array(z.tuple([z.number(), z.number()])) });

/** When each pod problem was first and last seen, by `<namespace>/<pod>/<reason>` (sources/cluster-health.ts). */
const podProblemsShape = z.record(z.string(), z.looseObject({ firstSeen: z.number(), lastSeen: z.number() }));

/** Per finding key, [t, values] points; a value that was not a number is stored as null (alerting/chart.ts). */
const chartShape = z.record(z.string(), z.array(z.tuple([z.number(), z.record(z.string(), z.number().nullable())])));

/** A Slack message `ts` ("1503435956.000247"): anything else makes every reply in its thread fail. */
const slackTsShape = z.string().regex(/^\d{1,12}\.\d{1,12}$/);

const runMemoShape = z.looseObject({ lastRunAt: z.number() });

const severity = z.enum(['warning', 'critical']);
const problemStatus = z.enum(['problem', 'unknown']);
/** What a channel is owed: a notification carries what every channel reads of it (alerting/notifier.ts). */
const notificationShape = z.looseObject({
  id: z.string(),
  at: z.string(),
  check: z.string(),
  key: z.string(),
  state: z.string(),
  status: problemStatus,
  severity,
  summary: z.string(),
  runbook: z.array(z.string()),
  firingSince: z.string(),
});
/**
 * An alert's lifecycle state (alerting/lifecycle.ts AlertState), to the depth delivery
 * reads it: asAlertState there checks only its top level, and an owed entry of the wrong
 * shape would otherwise fail every run's delivery.
 */
const firingShape = z.looseObject({
  since: z.number(),
  status: problemStatus,
  severity,
  notified: z.boolean(),
  lastNotifiedAt: z.number().optional(),
});
/** A page other alerts join as "also seen" (pipeline/page-group.ts). */
const pageShape = z.looseObject({ check: z.string(), key: z.string(), title: z.string().optional(), firingSince: z.string() });

const alertStateShape = z.looseObject({
  key: z.string(),
  check: z.string(),
  phase: z.enum(['ok', 'pending', 'firing']),
  recent: z.string(),
  consecutiveOk: z.number(),
  consecutiveUnknown: z.number(),
  problemSince: z.number().optional(),
  unknownSince: z.number().optional(),
  firing: firingShape.optional(),
  /** The last episode that resolved: a re-fire soon after reopens it. */
  ended: z.looseObject({ firing: firingShape, at: z.number() }).optional(),
  heldBack: z.boolean().optional(),
  last: z.looseObject({ status: z.string(), severity, summary: z.string(), runbook: z.array(z.string()), at: z.number() }).optional(),
  owed: z.array(
    z.looseObject({
      notification: notificationShape,
      channels: z.array(z.string()),
      claimedBy: z.string().optional(),
      claimedUntil: z.number().optional(),
    }),
  ),
  seq: z.number(),
});

/** Most specific prefix first: the first that matches a key decides. */
const SHAPES: [prefix: string, shape: z.ZodType][] = [
  ['memory/trafficVsPods', trafficMemoryShape],
  ['memory/launchProbe', launchMemoryShape],
  ['history/pod-problems/', podProblemsShape],
  ['history/', historyShape],
  ['chart/', chartShape],
  ['slack-thread/', slackTsShape],
  ['run/', runMemoShape],
  ['page/', pageShape],
  ['alert/', alertStateShape],
  ['channel/', alertStateShape],
];

/** The value as its kind reads it, or what is wrong with it. Keys of no known kind pass as they are. */
export function checkShape(key: string, value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  const shape = SHAPES.find(([prefix]) => key === prefix || key.startsWith(prefix))?.[1];
  if (!shape) return { ok: true, value };
  const parsed = shape.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `not the stored shape of ${key.split('/')[0]}: ${issue.path.join('.') || '(top)'}: ${issue.message}` };
}
