// Scores a replay against a truth file: time to detect each incident, and alerts
// that fired outside every incident window (±15 min).
import { z } from 'zod';
import { parseJsonFile } from '../scenario/json-file.ts';
import type { CheckName } from '../model.ts';
import type { ReplayAlert } from './replay.ts';

const incidentKinds = ['levelling-off', 'headroom', 'sick-node', 'launch-failure'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO time like "2018-01-18T12:00:00Z"' });

export const truthSchema = z.object({
  incidents: z.array(
    z
      .object({
        kind: z.enum(incidentKinds),
        onset: isoTime,
        end: isoTime,
        // An effect the world caused that a check may or may not see: an alert of this kind in it is neither required nor false.
        optional: z.boolean().optional(),
      })
      .refine((i) => Date.parse(i.end) > Date.parse(i.onset), {
        error: (iss) => `must be after onset (${(iss.input as { onset: string }).onset})`,
        path: ['end'],
      }),
  ),
});

/** Issues shown in the one-line error; a file wrong everywhere needs the first few to be fixed. */
export type Truth = z.output<typeof truthSchema>;

export const KIND_OF_CHECK: Record<CheckName, IncidentKind> = {
  launchProbe: 'launch-failure',
  binderHealth: 'launch-failure',
  trafficVsPods: 'levelling-off',
  nodeHeadroom: 'headroom',
  clusterHealth: 'sick-node',
};

export const TOLERANCE_MS = 15 * 60_000;

export interface IncidentScore {
  kind: IncidentKind;
  onset: string;
  end: string;
  /** First FIRING of a check of this kind inside the window; undefined when missed. */
  detectedAt?: string;
  timeToDetectMs?: number;
  /** Copied from the truth: not required, so a miss is no miss. */
  optional?: boolean;
}

export interface Score {
  incidents: IncidentScore[];
  /** FIRING notifications of a problem outside every incident window. */
  falseAlerts: ReplayAlert[];
  /** FIRING notifications that only say a source is blind (not counted as false). */
  blindAlerts: ReplayAlert[];
}

export function parseTruth(text: string, file = 'truth'): Truth {
  return parseJsonFile(truthSchema, text, file);
}

export function score(alerts: ReplayAlert[], truth: Truth): Score {
  const windows = truth.incidents.map((i) => ({ ...i, from: Date.parse(i.onset) - TOLERANCE_MS, to: Date.parse(i.end) + TOLERANCE_MS }));
  const firing = alerts.filter((a) => a.state === 'firing');
  const incidents = windows.map((w): IncidentScore => {
    const hit = firing.find(
      (a) => a.status === 'problem' && KIND_OF_CHECK[a.check] === w.kind && Date.parse(a.at) >= w.from && Date.parse(a.at) <= w.to,
    );
    return {
      kind: w.kind,
      onset: w.onset,
      end: w.end,
      detectedAt: hit?.at,
      timeToDetectMs: hit ? Date.parse(hit.at) - Date.parse(w.onset) : undefined,
      ...(w.optional ? { optional: true } : {}),
    };
  });
  const inAnyWindow = (a: ReplayAlert) => windows.some((w) => Date.parse(a.at) >= w.from && Date.parse(a.at) <= w.to);
  return {
    incidents,
    falseAlerts: firing.filter((a) => a.status === 'problem' && !inAnyWindow(a)),
    blindAlerts: firing.filter((a) => a.status === 'unknown'),
  };
}
