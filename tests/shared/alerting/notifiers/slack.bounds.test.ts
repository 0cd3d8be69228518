// Both Slack clients under the project's own bounds: an answer drip-fed a byte at a time
// after its headers, across forced garbage collections (the send runs in a child started
// with --expose-gc, tests/helpers/slack-send-child.ts), ends at the send's deadline; an
// answer without end is cut at LIMITS.slackAnswerBytes.
import { execFile } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEndlessly } from '../../../../infra/fakes/loopback-faults.ts';
import type { SlackSendCall, SlackSendReport } from '../../../helpers/slack-send-child.ts';

const run = promisify(execFile);
const DEADLINE_MS = 2_000;
/** The endless answer gets a deadline it must not need: the byte cap has to end it. */
const ENDLESS_DEADLINE_MS = 30_000;
/** Past the deadline a loaded machine may take to notice it; far below the minute and more a lost deadline ran on. */
const SLACK_OF_A_LOADED_MACHINE_MS = 3_000;
const measured: string[] = [];

type Mode = 'drip' | 'endless';
let mode: Mode = 'drip';
let server: Server;
let url = '';
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    open.add(res);
    res.on('close', () => open.delete(res));
    // The headers of a good answer at once, then the body: a byte every 200 ms, or as fast as it is read.
    res.writeHead(200, { 'content-type': req.url?.startsWith('/api/') ? 'application/json' : 'text/plain' });
    res.flushHeaders();
    if (mode === 'endless') return writeEndlessly(res, Buffer.alloc(64 * 1024, ' '));
    const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 200);
    res.on('close', () => clearInterval(drip));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const r of open) r.destroy();
  await new Promise((r) => server.close(r));
  process.stdout.write(
    `\nSlack sends against hostile answers (deadline ${DEADLINE_MS} ms drip, ${ENDLESS_DEADLINE_MS} ms endless)\n${measured.join('\n')}\n`,
  );
});

async function send(client: SlackSendCall['client'], m: Mode): Promise<SlackSendReport> {
  mode = m;
  const call: SlackSendCall = { client, url, timeoutMs: m === 'drip' ? DEADLINE_MS : ENDLESS_DEADLINE_MS };
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'tests/helpers/slack-send-child.ts', JSON.stringify(call)],
    {
      timeout: 120_000,
    },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as SlackSendReport;
  measured.push(`${client.padEnd(8)} ${m.padEnd(8)} ${String(report.ms).padStart(6)} ms  ${report.gcs} GCs  ${report.outcome}`);
  return report;
}

describe.each(['webhook', 'web-api'] as const)('%s', (client) => {
  it('a drip-fed answer ends the send at its deadline, across forced GCs', async () => {
    const r = await send(client, 'drip');
    // Collections forced while the answer dripped (every 50 ms; fewer on a loaded machine).
    expect(r.gcs).toBeGreaterThanOrEqual(3);
    expect(r.outcome).not.toBe('sent');
    expect(r.outcome).toMatch(/aborted due to timeout|timed out|TimeoutError/i);
    expect(r.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(r.ms).toBeLessThan(DEADLINE_MS + SLACK_OF_A_LOADED_MACHINE_MS);
  });

  it('an answer without end is cut at the byte cap', async () => {
    const r = await send(client, 'endless');
    expect(r.outcome).toMatch(/answer larger than 1 MiB/);
    expect(r.ms).toBeLessThan(ENDLESS_DEADLINE_MS);
  });
});
