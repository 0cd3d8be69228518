// The status page as the scheduled function publishes it: both objects in the public bucket,
// through the production Cloud Storage client against the loopback JSON API.
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGcs, type FakeGcs } from '../../../infra/fakes/gcs.ts';
import { parseConfigYaml } from '../../../shared/config/load.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { silentLogger } from '../../../shared/log.ts';
import { recordEvents } from '../../../shared/slo/rollup.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { statusFromStore } from '../../../shared/status/build.ts';
import { publishStatus, STATUS_CACHE_CONTROL, statusBucketOf } from '../../../shared/status/publish.ts';

const NOW = Date.parse('2026-03-03T12:00:00Z');
const MIN = 60_000;

describe('publishing the status page', () => {
  let gcs: FakeGcs;
  beforeAll(async () => {
    gcs = await startFakeGcs({ buckets: ['state', 'status'] });
  });
  afterAll(() => gcs?.close());

  it('writes status.html and status.json to the public bucket with a short Cache-Control and their content types', async () => {
    const logger = silentLogger;
    const store = new MemoryStore();
    const events = Array.from({ length: 30 }, (_, i) => ({
      repo: 'gh/a/b/HEAD',
      at: NOW - (30 - i) * 10 * MIN,
      ok: i % 10 !== 0,
      launchS: 40,
    }));
    await recordEvents(store, 'hub.example.org', events, { slowAfterS: 120, now: NOW, logger });
    const config = parseConfigYaml('statusPage: { title: "Example status", bucket: status }', 'test');
    const summary = await statusFromStore(store, config, NOW, logger);
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test' });

    expect(await publishStatus(storage, statusBucketOf(config)!, summary)).toEqual(['status.html', 'status.json']);

    const html = gcs.object('status', 'status.html');
    const json = gcs.object('status', 'status.json');
    expect(html).toMatchObject({ contentType: 'text/html; charset=utf-8', cacheControl: STATUS_CACHE_CONTROL });
    expect(json).toMatchObject({ contentType: 'application/json; charset=utf-8', cacheControl: 'public, max-age=60' });
    expect(html!.data.toString()).toContain('Example status');
    const published = JSON.parse(json!.data.toString());
    expect(published.components.map((c: { name: string }) => c.name)).toEqual(['hub.example.org']);
    expect(published.page.name).toBe('Example status');
    // Served with the same header the page is read with.
    const media = await fetch(`${gcs.url}/storage/v1/b/status/o/status.json?alt=media`);
    expect(media.headers.get('cache-control')).toBe('public, max-age=60');
    expect(gcs.object('state', 'status.html')).toBeUndefined();
  });

  it('fails with an upstream error naming the object when the bucket refuses the write', async () => {
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test' });
    const summary = await statusFromStore(new MemoryStore(), parseConfigYaml('{}', 'test'), NOW, silentLogger);
    await expect(publishStatus(storage, 'no-such-bucket', summary)).rejects.toThrow(/gcs: writing no-such-bucket\/status\.(html|json)/);
  });

  it('refuses the state bucket as the public bucket, naming statusPage.bucket; no bucket means nothing to publish', () => {
    const same = parseConfigYaml('statusPage: { bucket: state }\nalerting: { state: { type: gcs, bucket: state } }', 'test');
    expect(() => statusBucketOf(same)).toThrow(ConfigError);
    expect(() => statusBucketOf(same)).toThrow(/statusPage\.bucket.*state bucket/);
    expect(statusBucketOf(parseConfigYaml('alerting: { state: { type: gcs, bucket: state } }', 'test'))).toBeUndefined();
  });
});
