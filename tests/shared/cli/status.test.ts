// `binderwatch status` over the config's file store, and `binderwatch maintenance list`.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listMaintenance } from '../../../shared/cli/maintenance.ts';
import { silentLogger } from '../../../shared/log.ts';
import { recordEvents } from '../../../shared/slo/rollup.ts';
import { FileStore } from '../../../shared/state/file.ts';
import type { StatusSummary } from '../../../shared/status/data.ts';
import { runCli } from '../../helpers/cli.ts';

async function configFile(dir: string): Promise<string> {
  const file = join(dir, 'binderwatch.yaml');
  await writeFile(
    file,
    [
      'displayTimeZone: Europe/Berlin',
      'statusPage: { title: "Example Binder status" }',
      'checks: { launchProbe: { targets: [{ binderUrl: "https://hub.example.org", repos: ["gh/a/b/HEAD"] }] } }',
      `alerting: { state: { type: file, dir: "${join(dir, 'state')}" } }`,
      'maintenance:',
      '  - { name: "Node upgrades", cron: "0 7 * * TUE", duration: 1h, hubs: [hub.example.org] }',
      '  - { name: "Cluster move", start: "2026-03-03T09:00:00+01:00", end: "2026-03-03T12:00:00+01:00" }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('binderwatch status', () => {
  it("writes the page and the JSON from the config's state store", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-status-cli-'));
    const config = await configFile(dir);
    const now = Date.now();
    const store = new FileStore(join(dir, 'state'), silentLogger);
    const events = Array.from({ length: 12 }, (_, i) => ({ repo: 'gh/a/b/HEAD', at: now - (12 - i) * 600_000, ok: i !== 3, launchS: 45 }));
    await recordEvents(store, 'hub.example.org', events, { slowAfterS: 120, now, logger: silentLogger });
    const [html, json] = [join(dir, 'out/status.html'), join(dir, 'out/status.json')];
    const r = await runCli(['status', '--config', config, '--html', html, '--json-file', json]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Status page: ${html}`);
    const summary = JSON.parse(await readFile(json, 'utf8')) as StatusSummary;
    expect(summary.page.name).toBe('Example Binder status');
    expect(summary.components.map((c) => [c.id, c.status])).toEqual([['hub.example.org', 'operational']]);
    expect(summary.components[0].slo.launch_success.sli).toBeCloseTo(11 / 12, 6);
    expect(await readFile(html, 'utf8')).toContain('Example Binder status');
  });

  it('names the missing flag', async () => {
    const r = await runCli(['status', '--html', 'x.html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--config');
  });
});

describe('binderwatch maintenance list', () => {
  it('shows what is active now and when each window comes next, in the display time zone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-maint-cli-'));
    let out = '';
    const stdout = new Writable({
      write(chunk, _e, cb) {
        out += String(chunk);
        cb();
      },
    });
    const code = await listMaintenance(
      await configFile(dir),
      { stdout, stderr: stdout, isTTY: false, env: {} },
      false,
      Date.parse('2026-03-03T06:30:00Z'),
    );
    expect(code).toBe(0);
    const [active, next] = out.split('Next:');
    expect(active).toContain('Node upgrades');
    expect(active).toMatch(/2026-03-03 07:00 \S+ \(06:00 UTC\)/);
    expect(active).not.toContain('Cluster move');
    expect(next).toContain('Cluster move  (every hub; every check)');
    expect(next).toContain('Node upgrades  (hub.example.org; every check)');
    expect(next.indexOf('Cluster move')).toBeLessThan(next.indexOf('Node upgrades'));
  });
});
