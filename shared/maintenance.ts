// Maintenance windows: one-off (start, end) or recurring (a five-field cron in a time zone
// plus a duration: "0 7 * * TUE" for 1h in Europe/Berlin is every Tuesday 07:00–08:00 Berlin
// time, summer and winter). Each names the hubs and checks it covers. Pure: time is a parameter.
import { Cron as TzCron } from 'croner';
import { z } from 'zod';
import type { CheckName } from './model.ts';
import { CHECK_NAMES } from './model.ts';
import type { duration as durationField, isTimeZone as isTimeZoneCheck } from './config/schema.ts';

/**
 * Built by config/schema.ts while it loads: a function declaration, hoisted, whose fields are made
 * inside, so the circular import (schema.ts ↔ this file) works whichever of the two loads first.
 */
/**
 * The `maintenance` section. schema.ts passes its own duration field and time-zone check in,
 * so this module imports schema.ts for types only: a runtime import both ways would be a cycle.
 */
export function maintenanceSchema(duration: typeof durationField, isTimeZone: typeof isTimeZoneCheck) {
  const iso = z.iso
    .datetime({ offset: true, error: 'expected an ISO time like "2026-03-03T07:00:00+01:00"' })
    .transform((t) => Date.parse(t));

  /** Cloud Scheduler's cron: five fields, day and month names; croner evaluates it in the window's time zone. */
  const cronText = z
    .string()
    .refine((s) => s.trim().split(/\s+/).length === 5, { message: 'expected a 5-field cron schedule like "0 7 * * TUE"' })
    .refine(
      (s) => {
        try {
          new TzCron(s, { paused: true });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'is not a cron schedule croner can read (fields: minute hour day-of-month month day-of-week)' },
    );

  const common = {
    name: z.string().min(1).max(120).describe('Shown on the public status page: say what users will notice.'),
    hubs: z.array(z.string().min(1)).optional().describe('Hub hosts covered (e.g. "mybinder.org"); default: every hub.'),
    checks: z.array(z.enum(CHECK_NAMES)).optional().describe('Checks whose alerts are held; default: every check.'),
  };

  return z
    .array(
      z.union([
        z
          .object({ ...common, start: iso, end: iso })
          .strict()
          .refine((w) => w.end > w.start, { message: 'must be after start', path: ['end'] }),
        z
          .object({
            ...common,
            cron: cronText.describe('When each window starts, in `timeZone`.'),
            duration: duration('1h').describe('How long each window lasts (elapsed time, across a daylight-saving change too).'),
            timeZone: z
              .string()
              .refine(isTimeZone, { message: 'unknown time zone: expected an IANA name like "Europe/Berlin"' })
              .optional()
              .describe('Default: displayTimeZone.'),
          })
          .strict(),
      ]),
    )
    .default([])
    .describe('Maintenance windows: covered alerts are held, and sent afterwards only if the condition outlasts the window.');
}

export type MaintenanceWindow = z.output<ReturnType<typeof maintenanceSchema>>[number];
type Recurring = Extract<MaintenanceWindow, { cron: string }>;

/** One occurrence of a window. */
export interface Occurrence {
  name: string;
  start: number;
  end: number;
  window: MaintenanceWindow;
}

const cronOf = (w: Recurring, tz: string) => new TzCron(w.cron, { timezone: w.timeZone ?? tz, paused: true });

/** The occurrence of `w` that is active at `t`, if any. */
export function activeOccurrence(w: MaintenanceWindow, t: number, displayTz: string): Occurrence | undefined {
  if ('start' in w) return w.start <= t && t < w.end ? { name: w.name, start: w.start, end: w.end, window: w } : undefined;
  // The latest start at or before t (croner's previous runs are strictly before the reference).
  const [prev] = cronOf(w, displayTz).previousRuns(1, new Date(t + 1));
  const start = prev?.getTime();
  return start !== undefined && t < start + w.duration ? { name: w.name, start, end: start + w.duration, window: w } : undefined;
}

/** The first occurrence of `w` that starts after `t`, if any. */
export function nextOccurrence(w: MaintenanceWindow, t: number, displayTz: string): Occurrence | undefined {
  if ('start' in w) return w.start > t ? { name: w.name, start: w.start, end: w.end, window: w } : undefined;
  const next = cronOf(w, displayTz).nextRun(new Date(t))?.getTime();
  return next === undefined ? undefined : { name: w.name, start: next, end: next + w.duration, window: w };
}

/** Whether `w` covers the alert of `check` with finding key `key` (and, for hubs, a key naming one as a `:` segment). */
export function covers(w: MaintenanceWindow, check: CheckName, key: string): boolean {
  if (w.checks && !w.checks.includes(check)) return false;
  return !w.hubs || key.split(':').some((segment) => w.hubs!.includes(segment));
}

/** Whether `w` covers `hub` (for the SLO and the status page). */
export const coversHub = (w: MaintenanceWindow, hub: string) => !w.hubs || w.hubs.includes(hub);

/** Active occurrences at `t`, and each window's next start after `t`, soonest first. */
export function maintenanceAt(windows: MaintenanceWindow[], t: number, displayTz: string): { active: Occurrence[]; next: Occurrence[] } {
  const active = windows.flatMap((w) => activeOccurrence(w, t, displayTz) ?? []);
  const next = windows.flatMap((w) => nextOccurrence(w, t, displayTz) ?? []).sort((a, b) => a.start - b.start);
  return { active, next };
}
