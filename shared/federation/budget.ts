// Each member gets its own time budget per run: its sources must answer within it, or
// the run sees nothing of that member ("cannot see", never healthy) while the other
// members, observed at the same time, go on.
import { UpstreamError } from '../errors.ts';
import type { CheckName } from '../model.ts';
import type { ObservationSource, Sources } from '../sources/source.ts';
import { seconds } from '../clients/bounded-http.ts';

function bounded<C extends CheckName>(source: ObservationSource<C>, budgetMs: number, member: string): ObservationSource<C> {
  return {
    ...source,
    observe(req) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new UpstreamError(member, `no answer within its budget of ${seconds(budgetMs)}`)), budgetMs);
      });
      return Promise.race([source.observe(req), late]).finally(() => clearTimeout(timer));
    },
  };
}

export function withBudget(sources: Sources, budgetMs: number, member: string): Sources {
  const out: Sources = {};
  for (const [check, source] of Object.entries(sources) as [CheckName, ObservationSource<CheckName>][])
    (out as Record<CheckName, ObservationSource<CheckName>>)[check] = bounded(source, budgetMs, member);
  return out;
}
