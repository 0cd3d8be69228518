// The scheduled status-page function: builds the summary from the state store and writes
// status.html and status.json to the config's public bucket (never the state bucket), with
// a short Cache-Control so readers see a run's page within a minute of it.
import type { Storage } from '@google-cloud/storage';
import type { HttpFunction } from '@google-cloud/functions-framework';
import type { Config } from '../config/schema.ts';
import { ConfigError, UpstreamError } from '../errors.ts';
import { jsonLogger, type Logger } from '../log.ts';
import { buildStore, storageClient, type Env } from '../wiring.ts';
import { configFromEnv, postOnly, publicError } from '../function-handler.ts';
import { statusFromStore } from './build.ts';
import { statusHtml } from './html.ts';
import type { StatusSummary } from './data.ts';

export const STATUS_CACHE_CONTROL = 'public, max-age=60';
export const STATUS_OBJECTS = { html: 'status.html', json: 'status.json' } as const;

/** The public bucket, refused when it is unset or the state bucket (a public state bucket would publish every alert). */
export function statusBucketOf(config: Config): string | undefined {
  const bucket = config.statusPage.bucket;
  const state = config.alerting.state;
  if (bucket && state.type === 'gcs' && state.bucket === bucket)
    throw new ConfigError([{ path: 'statusPage.bucket', message: 'must not be the state bucket (alerting.state.bucket): it is public' }]);
  return bucket;
}

/** Writes both objects (each one plain upload; the next run rewrites them). Returns their names. */
export async function publishStatus(storage: Storage, bucket: string, summary: StatusSummary): Promise<string[]> {
  const objects: [string, string, string][] = [
    [STATUS_OBJECTS.html, statusHtml(summary), 'text/html; charset=utf-8'],
    [STATUS_OBJECTS.json, JSON.stringify(summary, null, 2) + '\n', 'application/json; charset=utf-8'],
  ];
  await Promise.all(
    objects.map(async ([name, text, contentType]) => {
      try {
        await storage
          .bucket(bucket)
          .file(name)
          .save(text, { resumable: false, contentType, metadata: { cacheControl: STATUS_CACHE_CONTROL } });
      } catch (e) {
        throw new UpstreamError('gcs', `writing ${bucket}/${name}: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined, {
          cause: e,
        });
      }
    }),
  );
  return objects.map(([name]) => name);
}

export function statusPageHandler(env: Env, logger: Logger = jsonLogger()): HttpFunction {
  return async (req, res) => {
    if (!postOnly(req, res)) return;
    const now = Date.now();
    try {
      const config = await configFromEnv(env);
      const bucket = statusBucketOf(config);
      if (!bucket) {
        const reason = 'statusPage.bucket is not set: nowhere to write the page';
        logger.log('WARNING', 'status page skipped', { reason });
        res.status(200).json({ target: 'statusPage', outcome: 'skipped', reason });
        return;
      }
      const store = await buildStore(config, env, logger);
      const summary = await statusFromStore(store, config, now, logger);
      const objects = await publishStatus(await storageClient(env), bucket, summary);
      logger.log('INFO', 'status page written', { bucket, objects, indicator: summary.status.indicator });
      res.status(200).json({ target: 'statusPage', outcome: 'written', bucket, objects, indicator: summary.status.indicator });
    } catch (e) {
      logger.log('ERROR', 'status page failed to run', { error: e instanceof Error ? e.message : String(e) });
      res.status(500).json({ target: 'statusPage', error: publicError(e, 'the status page', 'status page failed to run') });
    }
  };
}
