// Runs the CLI in-process with captured output.
import { Writable } from 'node:stream';
import { main } from '../../shared/cli/main.ts';

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    isTTY: false,
    env,
  });
  return { code, stdout, stderr };
}

/** The firing notifications of a `replay --format jsonl` run, in order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const firingOf = (stdout: string): any[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((a) => a.state === 'firing');
