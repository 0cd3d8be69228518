// GcsStore through the real @google-cloud/storage client against infra/fakes/gcs.ts.
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGcs, type FakeGcs } from '../../../infra/fakes/gcs.ts';
import { GcsStore } from '../../../shared/state/gcs.ts';
import { ConflictError, UpstreamError } from '../../../shared/errors.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { jsonLogger } from '../../../shared/log.ts';
import { runCheck, type CheckDeps } from '../../../shared/pipeline/run-check.ts';
import { describeStoreContract } from '../../helpers/store-contract.ts';
import { LIMITS } from '../../../shared/limits.ts';

const BUCKET = 'binderwatch-state';
const PREFIX = 'binderwatch/state/';
const KEY = 'launch:mybinder.org:gh/binder-examples/requirements/HEAD';

// A custom apiEndpoint makes the client skip Google auth (useAuthWithCustomEndpoint
// defaults to false); retry delays are capped at the library's minimum of 1 s.
function client(fake: FakeGcs, options: StorageOptions = {}): Storage {
  return new Storage({ apiEndpoint: fake.url, projectId: 'test', ...options, retryOptions: { maxRetryDelay: 1, ...options.retryOptions } });
}

// A page size of 2 makes `list` follow nextPageToken.
describeStoreContract(
  'GcsStore',
  async (logger) => {
    const fake = await startFakeGcs({ buckets: [BUCKET], pageSize: 2 });
    return {
      store: new GcsStore({ storage: client(fake), bucket: BUCKET, prefix: PREFIX, logger }),
      close: () => fake.close(),
      async damage(key, bytes) {
        await client(fake)
          .bucket(BUCKET)
          .file(PREFIX + encodeURIComponent(key))
          .save(bytes, { resumable: false });
      },
    };
  },
  { persists: true },
);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('GcsStore', () => {
  let fake: FakeGcs;
  let store: GcsStore;
  /** What the store logged: a test that makes it log asserts the lines, and none reach the run's output. */
  let logged: { severity: string; key?: string; message: string }[];
  beforeEach(async () => {
    fake = await startFakeGcs({ buckets: [BUCKET] });
    logged = [];
    const logger = jsonLogger((l) => logged.push(JSON.parse(l)));
    store = new GcsStore({ storage: client(fake), bucket: BUCKET, prefix: PREFIX, logger });
  });
  afterEach(() => fake.close());

  it('reads no more of an object than 16 MiB: a larger one is unreadable, logged with its key, and replaced by the next write', async () => {
    // Valid JSON of the right kind would still be read whole and parsed without the cap.
    const huge = JSON.stringify({ state: 'firing', padding: 'x'.repeat(LIMITS.stateObjectBytes) });
    await client(fake)
      .bucket(BUCKET)
      .file(PREFIX + encodeURIComponent(KEY))
      .save(huge, { resumable: false });
    expect(await store.get(KEY)).toBeUndefined();
    expect(logged).toContainEqual(expect.objectContaining({ severity: 'ERROR', key: KEY, error: 'larger than 16 MiB' }));
    // The aborted download's keep-alive socket can be handed to a write at once and hang up (a retryable
    // UpstreamError, so the next run's write would replace it); this test waits that out instead.
    await new Promise((r) => setTimeout(r, 500));
    await store.put(KEY, { state: 'ok' }, null);
    expect((await store.get(KEY))?.value).toEqual({ state: 'ok' });
  });

  it('keeps each key as one JSON object named prefix + encoded key, versioned by its generation', async () => {
    const version = await store.put(KEY, { state: 'firing' }, null);
    const obj = fake.object(BUCKET, PREFIX + encodeURIComponent(KEY));
    expect(obj).toBeDefined();
    expect(JSON.parse(obj!.data.toString('utf8'))).toEqual({ state: 'firing' });
    expect(obj!.contentType).toBe('application/json');
    expect(version).toBe(String(obj!.generation));
  });

  it('writes in one multipart request carrying ifGenerationMatch (0 for a new key)', async () => {
    const v1 = await store.put(KEY, 1, null);
    await store.put(KEY, 2, v1);
    const uploads = fake.requests.filter((r) => r.method === 'POST');
    expect(uploads.map((r) => [r.query.uploadType, r.query.ifGenerationMatch])).toEqual([
      ['multipart', '0'],
      ['multipart', v1],
    ]);
  });

  it('does not list objects outside its prefix', async () => {
    await store.put('a', 1, null);
    await client(fake).bucket(BUCKET).file('elsewhere/b').save('{}', { resumable: false });
    await new GcsStore({ storage: client(fake), bucket: BUCKET, prefix: 'binderwatch/other/' }).put('c', 1, null);
    expect(await store.list('')).toEqual(['a']);
  });

  it('reads value and version in one request, so they belong together even when a write lands mid-read', async () => {
    const v1 = await store.put(KEY, 'old', null);
    let release!: () => void;
    fake.fail({ method: 'GET', query: { alt: 'media' }, until: new Promise<void>((r) => (release = r)) });
    const reading = store.get(KEY);
    await until(() => fake.requests.some((r) => r.query.alt === 'media'));
    const v2 = await store.put(KEY, 'new', v1);
    release();
    expect(await reading).toEqual({ value: 'new', version: v2 });
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('reports a download without x-goog-generation as a non-retryable UpstreamError', async () => {
    await store.put(KEY, 1, null);
    fake.fail({ method: 'GET', query: { alt: 'media' }, omitGenerationHeader: true });
    await expect(store.get(KEY)).rejects.toMatchObject({ upstream: 'gcs', retryable: false });
  });

  it('does not retry a write whose answer was lost, so the caller cannot apply it twice', async () => {
    const v1 = await store.put(KEY, 1, null);
    fake.fail({ method: 'POST', status: 503, afterCommit: true });
    const error = await store.put(KEY, 2, v1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'gcs', status: 503, retryable: true });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    // The write landed; the next run reads it and carries on from there.
    expect((await store.get(KEY))?.value).toBe(2);
  });

  it('reports a lost race as ConflictError, not as an upstream failure', async () => {
    const v1 = await store.put(KEY, 1, null);
    await new GcsStore({ storage: client(fake), bucket: BUCKET, prefix: PREFIX }).put(KEY, 2, v1);
    await expect(store.put(KEY, 3, v1)).rejects.toBeInstanceOf(ConflictError);
  });

  it('retries a transient 503 on read and then returns the value', async () => {
    await store.put(KEY, 'x', null);
    fake.fail({ method: 'GET', status: 503 });
    expect((await store.get(KEY))?.value).toBe('x');
  });

  it('turns a GCS that keeps answering 503 into a retryable UpstreamError', async () => {
    const s = new GcsStore({ storage: client(fake, { retryOptions: { maxRetries: 1 } }), bucket: BUCKET, prefix: PREFIX });
    fake.fail({ status: 503, times: 100 });
    for (const op of [() => s.get(KEY), () => s.put(KEY, 1, null), () => s.list('')]) {
      const error = await op().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ upstream: 'gcs', status: 503, retryable: true });
    }
  });

  it('turns a 403 into a non-retryable UpstreamError', async () => {
    fake.fail({ status: 403 });
    await expect(store.get(KEY)).rejects.toMatchObject({ upstream: 'gcs', status: 403, retryable: false });
  });

  it('turns a server slower than the client timeout into a retryable UpstreamError', async () => {
    const s = new GcsStore({ storage: client(fake, { timeout: 200, retryOptions: { autoRetry: false } }), bucket: BUCKET, prefix: PREFIX });
    fake.fail({ delayMs: 2_000 });
    const error = await s.get(KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'gcs', retryable: true });
  });

  it('replaces an object that is not JSON with one write carrying its generation, never reading it as a value', async () => {
    await client(fake)
      .bucket(BUCKET)
      .file(PREFIX + encodeURIComponent(KEY))
      .save('<html>oops</html>', { resumable: false });
    const damaged = String(fake.object(BUCKET, PREFIX + encodeURIComponent(KEY))!.generation);
    expect(await store.get(KEY)).toBeUndefined();
    expect(logged).toEqual([
      expect.objectContaining({ severity: 'ERROR', key: KEY, message: expect.stringMatching(/unreadable state object/) }),
    ]);
    const before = fake.requests.length;
    await store.put(KEY, { phase: 'ok' }, null);
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.method === 'POST')
        .map((r) => r.query.ifGenerationMatch),
    ).toEqual([damaged]);
  });

  it('lets a check whose state objects hold {"broken run on, logging each key once, and writes them whole again', async () => {
    const logs: { severity: string; key?: string }[] = [];
    const logger = jsonLogger((l) => logs.push(JSON.parse(l) as { severity: string; key?: string }));
    const deps: CheckDeps = {
      config: parseConfig({}),
      sources: { clusterHealth: { observe: async () => ({ problems: [], notReadyNodes: [] }) } },
      store: new GcsStore({ storage: client(fake), bucket: BUCKET, prefix: PREFIX, logger }),
      notifiers: [],
      logger,
    };
    await runCheck('clusterHealth', deps, Date.UTC(2018, 0, 18, 12));
    const [files] = await client(fake).bucket(BUCKET).getFiles({ prefix: PREFIX });
    const names = files.map((f) => f.name);
    expect(names).toContain(PREFIX + encodeURIComponent('run/clusterHealth'));
    for (const name of names) await client(fake).bucket(BUCKET).file(name).save('{"broken', { resumable: false });

    const second = await runCheck('clusterHealth', deps, Date.UTC(2018, 0, 18, 12, 5));
    expect(second.outcome).toBe('ok');
    expect(
      logs
        .filter((l) => l.severity === 'ERROR')
        .map((l) => l.key)
        .sort(),
    ).toEqual(names.map((n) => decodeURIComponent(n.slice(PREFIX.length))).sort());
    for (const name of names) expect(() => JSON.parse(fake.object(BUCKET, name)!.data.toString('utf8'))).not.toThrow();
  });

  it('reports a missing bucket as an UpstreamError with status 404, not as an empty store', async () => {
    const s = new GcsStore({ storage: client(fake), bucket: 'no-such-bucket' });
    await expect(s.list('')).rejects.toMatchObject({ upstream: 'gcs', status: 404 });
  });
});
