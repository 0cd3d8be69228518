import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../../shared/state/file.ts';
import { MemoryStore } from '../../../shared/state/memory.ts';
import { describeStoreContract } from '../../helpers/store-contract.ts';

describeStoreContract('MemoryStore', async (logger) => ({ store: new MemoryStore(logger) }), { persists: false });

describeStoreContract(
  'FileStore',
  async (logger) => {
    const dir = await mkdtemp(join(tmpdir(), 'binderwatch-filestore-'));
    const state = join(dir, 'state');
    return {
      store: new FileStore(state, logger),
      close: () => rm(dir, { recursive: true, force: true }),
      async damage(key, bytes) {
        await mkdir(state, { recursive: true });
        await writeFile(join(state, encodeURIComponent(key) + '.json'), bytes);
      },
    };
  },
  { persists: true },
);
