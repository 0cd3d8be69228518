// The public status page: one self-contained HTML file drawn from the public summary only
// (status/data.ts), with no script and no external resource, so it opens from disk or a
// bucket and reads without JavaScript. Bars are plain elements: each day's launch success
// against the SLO line; launch-time percentiles and the budget beside them.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';
import type { Component, ComponentStatus, DayBar, PublicSlo, StatusSummary } from './data.ts';

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --ok: #1a7f37; --minor: #9a6700; --major: #cf222e; --maint: #0969da; --none: #8c959f; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8b949e; --line: #30363d; --panel: #161b22;
  --ok: #3fb950; --minor: #d29922; --major: #f85149; --maint: #58a6ff; --none: #6e7681; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 16px; margin: 0; }
.sub, .note { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
.banner { padding: 12px 16px; border-radius: 8px; color: #fff; font-weight: 600; margin: 12px 0 20px; }
.banner.none { background: var(--ok); } .banner.minor { background: var(--minor); } .banner.major { background: var(--major); } .banner.maintenance { background: var(--maint); }
.hub { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; background: var(--panel); }
.hub-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.state { font-weight: 600; } .state.operational { color: var(--ok); } .state.degraded_performance { color: var(--minor); }
.state.major_outage { color: var(--major); } .state.under_maintenance { color: var(--maint); } .state.no_data { color: var(--none); }
.bars { position: relative; display: flex; align-items: flex-end; gap: 2px; height: 64px; margin: 12px 0 2px; }
.bar { flex: 1; min-width: 3px; border-radius: 2px; background: var(--ok); }
.bar.below { background: var(--major); } .bar.nodata { background: var(--none); opacity: .35; height: 100% !important; }
.slo-line { position: absolute; left: 0; right: 0; border-top: 2px dashed var(--fg); opacity: .6; pointer-events: none; }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; }
.numbers { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 8px 20px; margin-top: 10px; font-size: 14px; }
.numbers b { font-size: 17px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
td, th { border-top: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (v: number | null, digits = 2) => (v === null ? '—' : `${(v * 100).toFixed(digits)} %`);

const STATE_TEXT: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  major_outage: 'Outage',
  under_maintenance: 'Maintenance',
  no_data: 'No data',
};

/** Bar height: 90 %–100 % success spans the chart, so a 99 % line and a bad day both show. */
const FLOOR = 0.9;
const heightOf = (v: number) => Math.max(4, ((Math.max(v, FLOOR) - FLOOR) / (1 - FLOOR)) * 100);

function bar(d: DayBar, objective: number): string {
  if (d.success === null) return `<div class="bar nodata" title="${d.date}: no data"></div>`;
  const times = d.p50 === null ? '' : `, launch time p50 ≤ ${d.p50} s, p90 ≤ ${d.p90} s`;
  const cls = d.success < objective ? 'bar below' : 'bar';
  return `<div class="${cls}" style="height:${heightOf(d.success).toFixed(1)}%" title="${d.date}: ${pct(d.success)} of ${d.runs} probe launches${times}"></div>`;
}

function sloText(s: PublicSlo, what: string): string {
  return `<div>${what}<br><b>${pct(s.sli)}</b> over ${s.window_days} days (objective ${pct(s.objective, 1)})<br>error budget left: <b>${pct(s.budget_remaining, 0)}</b></div>`;
}

function percentiles(days: DayBar[]): string {
  const recent = days.filter((d) => d.p50 !== null).slice(-7);
  if (!recent.length) return '<div>Launch time<br><b>—</b></div>';
  const max = (k: 'p50' | 'p90') => Math.max(...recent.map((d) => d[k] ?? 0));
  return `<div>Launch time, last 7 days<br>p50 ≤ <b>${max('p50')} s</b>, p90 ≤ <b>${max('p90')} s</b></div>`;
}

function hubSection(c: Component, tz: string): string {
  const objective = c.slo.launch_success.objective;
  const since = c.history_since ? `history since ${formatTimeWithUtc(Date.parse(c.history_since), tz)}` : 'no history yet';
  return `<section class="hub" data-hub="${escapeHtml(c.id)}">
<div class="hub-head"><h3>${escapeHtml(c.name)}</h3><span class="state ${c.status}">${STATE_TEXT[c.status]}</span></div>
<div class="bars" role="img" aria-label="Daily launch success over ${c.days.length} days against the ${pct(objective, 1)} objective">
${c.days.map((d) => bar(d, objective)).join('')}
<div class="slo-line" style="bottom:${heightOf(objective).toFixed(1)}%" title="objective ${pct(objective, 1)}"></div></div>
<div class="axis"><span>${c.days.length} days ago</span><span>${escapeHtml(since)}</span><span>today</span></div>
<div class="numbers">${sloText(c.slo.launch_success, 'Launch success')}${sloText(c.slo.launch_time, `Launches ready within ${c.slo.launch_time.within_seconds} s`)}${percentiles(c.days)}</div>
</section>`;
}

function incidentsTable(s: StatusSummary): string {
  if (!s.incidents.length) return '<p class="note">No incidents in the last 90 days.</p>';
  const tz = s.page.time_zone;
  const rows = s.incidents.map(
    (i) =>
      `<tr class="incident ${i.status}"><td>${escapeHtml(formatTimeWithUtc(Date.parse(i.created_at), tz))}</td><td>${i.resolved_at ? escapeHtml(formatTimeWithUtc(Date.parse(i.resolved_at), tz)) : '<b>ongoing</b>'}</td><td>${escapeHtml(i.component)}</td><td>${escapeHtml(i.name)}</td></tr>`,
  );
  return `<table id="incidents"><tr><th>Started</th><th>Resolved</th><th>Service</th><th>What users saw</th></tr>${rows.join('')}</table>`;
}

function maintenanceTable(s: StatusSummary): string {
  if (!s.scheduled_maintenances.length) return '<p class="note">No maintenance scheduled.</p>';
  const tz = s.page.time_zone;
  const rows = s.scheduled_maintenances.map(
    (m) =>
      `<tr class="maintenance ${m.status}"><td>${escapeHtml(formatTimeWithUtc(Date.parse(m.scheduled_for), tz))}</td><td>${escapeHtml(formatTimeWithUtc(Date.parse(m.scheduled_until), tz))}</td><td>${escapeHtml(m.components.join(', '))}</td><td>${escapeHtml(m.name)}${m.status === 'in_progress' ? ' <b>(now)</b>' : ''}</td></tr>`,
  );
  return `<table id="maintenance"><tr><th>From</th><th>Until</th><th>Service</th><th>What</th></tr>${rows.join('')}</table>`;
}

export function statusHtml(s: StatusSummary): string {
  const tz = s.page.time_zone;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(s.page.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(s.page.name)}</h1>
<p class="sub">Updated ${escapeHtml(formatTimeWithUtc(Date.parse(s.page.updated_at), tz))} · times in ${escapeHtml(tz)} (UTC in brackets) · measured by launching repositories like a user would</p>
<div class="banner ${s.status.indicator}" id="overall">${escapeHtml(s.status.description)}</div>
${s.components.map((c) => hubSection(c, tz)).join('\n')}
<h2>Incidents</h2>
${incidentsTable(s)}
<h2>Maintenance</h2>
${maintenanceTable(s)}
</main>
</body>
</html>
`;
}

/** Writes the page and the JSON where asked (creating folders); returns what was written, for the CLI to print. */
export async function writeStatus(s: StatusSummary, out: { html?: string; json?: string }): Promise<string[]> {
  const written: string[] = [];
  const files: [string | undefined, string, string][] = [
    [out.html, statusHtml(s), '--status-html'],
    [out.json, JSON.stringify(s, null, 2) + '\n', '--status-json'],
  ];
  for (const [file, text, flag] of files) {
    if (!file) continue;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    } catch (e) {
      throw new ConfigError([{ path: flag, message: `cannot write ${file}: ${(e as Error).message}` }], 'arguments');
    }
    written.push(`${file} (${Math.round(Buffer.byteLength(text) / 1024)} KiB)`);
  }
  return written;
}
