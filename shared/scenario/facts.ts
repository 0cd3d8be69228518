// What the humans noticed during a scenario's incident, kept beside the scenario as
// `<name>.facts.json` (data, not code): named times, each a `fact` from a written account
// or `assumed` for the reconstruction, and the timeline the CLI and the report page
// print beside binderwatch's alerts.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ScenarioError } from '../errors.ts';
import { parseJsonFile } from './json-file.ts';

const factsFile = z.strictObject({
  about: z.string(),
  times: z.record(
    z.string(),
    z.strictObject({
      at: z.iso.datetime(),
      timeIs: z.enum(['fact', 'assumed']),
      why: z.string(),
    }),
  ),
  timeline: z.array(z.strictObject({ time: z.string(), what: z.string() })),
});

export interface ScenarioFacts {
  /** Epoch ms by name. */
  times: Record<string, number>;
  /** In the file's order; `at` is UTC ISO. */
  timeline: { at: string; what: string; timeIs: 'fact' | 'assumed' }[];
}

/** The facts file that belongs to a scenario file. */
export const factsFileOf = (scenario: string): string => scenario.replace(/\.om$/, '') + '.facts.json';

/** Parses a facts file; a malformed one is a ScenarioError naming the file and the field. */
export function parseFacts(text: string, file: string): ScenarioFacts {
  const { times, timeline } = parseJsonFile(factsFile, text, file);
  return {
    times: Object.fromEntries(Object.entries(times).map(([name, t]) => [name, Date.parse(t.at)])),
    timeline: timeline.map((e, i) => {
      const t = times[e.time];
      if (!t) throw new ScenarioError(`timeline.${i}.time: no time named '${e.time}' in times`, undefined, file);
      return { at: t.at, what: e.what, timeIs: t.timeIs };
    }),
  };
}

/** The facts beside a scenario, or none when it has no facts file. */
export async function readFactsOf(scenario: string): Promise<ScenarioFacts | undefined> {
  const file = factsFileOf(scenario);
  if (!existsSync(file)) return undefined;
  return parseFacts(await readFile(file, 'utf8'), file);
}
