// The status page as it would have stood at a replay's end: the replay's store holds the
// SLI rollups, its notifications the incidents.
import type { Config } from '../config/schema.ts';
import { silentLogger } from '../log.ts';
import type { ReplayAlert } from '../replay/replay.ts';
import type { StateStore } from '../state/store.ts';
import { statusFromStore } from './build.ts';
import { writeStatus } from './html.ts';
import { episodesFromNotifications } from './source.ts';

export async function writeReplayStatus(
  store: StateStore,
  config: Config,
  alerts: ReplayAlert[],
  end: number,
  out: { html?: string; json?: string },
  print: NodeJS.WritableStream,
): Promise<void> {
  if (!out.html && !out.json) return;
  const summary = await statusFromStore(store, config, end, silentLogger, episodesFromNotifications(alerts));
  for (const w of await writeStatus(summary, out)) print.write(`Status page: ${w}\n`);
}
