import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, MemoryStore } from '../../../shared/alerting/store.ts';
import { describeStoreContract } from '../../helpers/store-contract.ts';

describeStoreContract('MemoryStore', async () => ({ store: new MemoryStore() }));

describeStoreContract('FileStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'binderwatch-filestore-'));
  return { store: new FileStore(join(dir, 'state')), close: () => rm(dir, { recursive: true, force: true }) };
});
