// Reading a JSON input file (truth, facts) against its schema: a malformed one is a
// ScenarioError naming the file and each field that is wrong, never a stack trace.
import type { z } from 'zod';
import { issuePath, ScenarioError } from '../errors.ts';

const MAX_ISSUES_SHOWN = 5;

export function parseJsonFile<T>(schema: z.ZodType<T>, text: string, file: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`not JSON: ${(e as Error).message}`, undefined, file);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const shown = r.error.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `${issuePath(i.path) || '(root)'}: ${i.message}`);
    const more = r.error.issues.length - shown.length;
    throw new ScenarioError(shown.join('; ') + (more > 0 ? `; and ${more} more` : ''), undefined, file);
  }
  return r.data;
}
