// The scenario reader in linear time and memory: a 20 MB line of two 10 MB label values
// (one of them escapes all the way) parses under a 256 MiB heap, in a child process with
// that limit, where a value built a character at a time ran out of memory.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

const script = `
const { parseScenario } = await import('./shared/scenario/openmetrics.ts');
const big = 'x'.repeat(10_000_000);
const escaped = '\\\\n'.repeat(5_000_000);
const line = 'binderwatch_launch_probe_extra_ok{repo="' + big + '",attempt="' + escaped + '"} 1 1516212000';
const data = parseScenario(['# TYPE binderwatch_launch_probe_extra_ok gauge', line, '# EOF', ''].join('\\n'));
const { labels } = data.series[0];
console.log(JSON.stringify({ repo: labels.repo.length, attempt: labels.attempt.length, newlines: labels.attempt.split('\\n').length - 1 }));
`;

describe('a scenario line of two 10 MB label values', () => {
  it('parses within a 256 MiB heap', async () => {
    const { stdout } = await run(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 120_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ repo: 10_000_000, attempt: 5_000_000, newlines: 5_000_000 });
  }, 130_000);
});
