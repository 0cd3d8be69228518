// `binderwatch report` reads a past range from a real Prometheus (backfilled with the
// 2018 scenario by promtool) and writes the same page the replay of the file makes.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../../infra/harnesses/prometheus.ts';
import type { ReportData } from '../../../shared/report/data.ts';
import { stackAvailable } from '../../helpers/stack.ts';
import { runCli } from '../../helpers/cli.ts';

const SCENARIO = 'infra/scenarios/mybinder-2018-01-18.om';

/** The data a page carries, read back out of its JSON script element. */
async function pageData(file: string): Promise<ReportData> {
  const html = await readFile(file, 'utf8');
  const json = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1];
  return JSON.parse(json) as ReportData;
}

describe.skipIf(!stackAvailable('prometheus', 'promtool'))('binderwatch report', () => {
  let prometheus: PrometheusServer;
  let dir: string;
  beforeAll(async () => {
    prometheus = await startPrometheus({ scenarioFile: SCENARIO });
    dir = await mkdtemp(join(tmpdir(), 'bw-report-cli-'));
  });
  afterAll(async () => prometheus?.stop());

  it('reads the range from Prometheus and shows the alerts and series the file replay shows', async () => {
    const config = join(dir, 'c.yaml');
    await writeFile(config, `sources:\n  prometheus:\n    url: ${prometheus.url}\nalerting:\n  state:\n    type: memory\n`);
    const live = join(dir, 'live.html');
    const r = await runCli([
      'report',
      '--config',
      config,
      '--from',
      '2018-01-18T08:00:00Z',
      '--to',
      '2018-01-18T20:00:00Z',
      '--html',
      live,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Incident report page: ${live}`);
    const fromFile = join(dir, 'file.html');
    expect((await runCli(['replay', SCENARIO, '--config', config, '--format', 'jsonl', '--html', fromFile])).code).toBe(0);

    const [a, b] = [await pageData(live), await pageData(fromFile)];
    expect(a.t[0]).toBe(Date.parse('2018-01-18T08:00:00Z') / 1000);
    expect(a.t[a.t.length - 1]).toBe(Date.parse('2018-01-18T20:00:00Z') / 1000);
    const offset = b.t.indexOf(a.t[0]);
    expect(a.pods).toEqual(b.pods.slice(offset, offset + a.t.length));
    expect(a.pools.map((p) => p.pool)).toEqual(b.pools.map((p) => p.pool));
    const fired = (d: ReportData) => d.alerts.filter((s) => s.firing.length).map((s) => `${s.check}/${s.key}@${s.firing[0].at}`);
    expect(fired(a)).toEqual(fired(b));
    expect(a.expected.filter((v) => v !== null).length).toBeGreaterThan(0.9 * a.t.length);
  });

  it('refuses a range that is not one, naming the flag', async () => {
    const r = await runCli([
      'report',
      '--config',
      join(dir, 'c.yaml'),
      '--from',
      '2018-01-18T20:00:00Z',
      '--to',
      '2018-01-18T08:00:00Z',
      '--html',
      join(dir, 'x.html'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to');
  });
});
