// BinderHub's /health as an observation source.
import type { BinderHealthConfig } from '../config/schema.ts';
import { fetchHealth, type FetchLike } from '../clients/binderhub.ts';
import type { ObservationSource } from './source.ts';

export interface BinderHealthSourceOptions {
  fetch?: FetchLike;
  /** Hubs to read when `cfg.binderUrls` is empty (the launch probe's targets). */
  defaultBinderUrls?: string[];
}

/** BinderHub's /health of each hub; unreadable ones come back with `error` (→ unknown). */
export function binderHealthSource(cfg: BinderHealthConfig, opts: BinderHealthSourceOptions = {}): ObservationSource<'binderHealth'> {
  const timeoutMs = cfg.timeout;
  const urls = [...new Set(cfg.binderUrls.length ? cfg.binderUrls : (opts.defaultBinderUrls ?? []))];
  return {
    async observe() {
      return { hubs: await Promise.all(urls.map((u) => fetchHealth(u, { timeoutMs, fetch: opts.fetch }))) };
    },
  };
}
