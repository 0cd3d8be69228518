// The `slo` section of the config: launch success and launch time objectives per hub.
import { z } from 'zod';
import type { duration as durationField } from '../config/schema.ts';

const objective = (def: number) =>
  z
    .number()
    .gt(0, { message: 'must be above 0' })
    .lt(1, { message: 'must be below 1 (an objective of 100 % leaves no budget to burn)' })
    .default(def);

/** Built by config/schema.ts with its duration field (a plain import would be circular). */
export const sloSchema = (duration: typeof durationField) =>
  z
    .object({
      enabled: z.boolean().default(true).describe('Record daily launch SLIs per hub and alert on fast error-budget burn.'),
      window: duration('30d', { min: 86_400_000 }).describe('The SLO window (whole UTC days).'),
      success: z
        .object({ objective: objective(0.99).describe('Share of probe runs that launch (a failure confirmed by the retry counts).') })
        .strict()
        .prefault({}),
      launchTime: z
        .object({
          within: duration('2m').describe('A launch is on time when ready within this.'),
          objective: objective(0.95).describe('Share of successful launches ready in time.'),
        })
        .strict()
        .prefault({}),
      minFailures: z
        .int()
        .min(1)
        .default(3)
        .describe(
          'Failed runs a burn-rate alert needs in its long window: one failed run of a dozen an hour already burns 14.4× a 99 % budget.',
        ),
      includeMaintenance: z.boolean().default(false).describe('Count probe runs inside maintenance windows (default: left out).'),
    })
    .strict();

export type SloConfig = z.output<ReturnType<typeof sloSchema>>;
