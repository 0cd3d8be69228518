// `npm run dev:<function>`: one Cloud Function served on this machine the way the Functions
// Framework serves it (its own getServer, through getTestServer), but listening on
// 127.0.0.1 unless told otherwise. The framework's CLI (5.0) calls listen(port) on every
// interface and has no host option, and a dev function runs real probes for anyone who can
// reach it, unauthenticated.
//   node --import tsx infra/local/dev-function.ts <target> <source.ts> [--port 8080] [--host 127.0.0.1]
// PORT and HOST in the environment work too (the flags win), as --port and PORT do for the framework.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { getTestServer } from '@google-cloud/functions-framework/testing';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, host: { type: 'string' } },
});
const [target, source] = positionals;
if (!target || !source) {
  process.stderr.write('usage: node --import tsx infra/local/dev-function.ts <target> <source.ts> [--port 8080] [--host 127.0.0.1]\n');
  process.exit(2);
}
await import(pathToFileURL(resolve(source)).href);
const port = Number(values.port || process.env.PORT || 8080);
const host = values.host || process.env.HOST || '127.0.0.1';
// Like the framework's CLI: no timeout on incoming connections (a probe run takes minutes).
getTestServer(target)
  .listen(port, host, () => process.stdout.write(`Function ${target} serving on http://${host}:${port}/ (--host to listen elsewhere)\n`))
  .setTimeout(0);
