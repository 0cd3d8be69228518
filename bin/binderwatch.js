#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: no build step between `npm ci` and `npx binderwatch`.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`| head`) is not an error: stop quietly instead of a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});
