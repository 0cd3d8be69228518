// The status summary as it stands in a state store at `now`: the CLI, the scheduled function
// and the replay (its memory store, its notifications) all build it here.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import { statusSummary, type AlertEpisode, type StatusSummary } from './data.ts';
import { knownHubs, readRollups, recordEpisodes } from './source.ts';

export async function statusFromStore(
  store: StateStore,
  config: Config,
  now: number,
  logger: Logger,
  /** A replay knows every episode from its notifications; otherwise the store's log is updated and read. */
  episodes?: AlertEpisode[],
): Promise<StatusSummary> {
  const hubs = await knownHubs(store, config);
  const rollups = await readRollups(store, hubs, now, logger);
  const alerts = episodes ?? (await recordEpisodes(store, now, logger));
  return statusSummary({ config, hubs, rollups, alerts, now, name: config.statusPage.title });
}
