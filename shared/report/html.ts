// Writes the incident report page: one HTML file with uPlot, the page script, the
// styles and the data inlined, so it opens from disk with no network. The script is
// bundled from the sources when the page is made, with the esbuild that tsx (a runtime
// dependency) already brings: no build step between `npm ci` and a report.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import type { ReportData } from './data.ts';
import { formatTimeWithUtc } from '../alerting/notifiers/format.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

let script: Promise<string> | undefined;

/** The page script with uPlot, minified (built once per process). */
function pageScript(): Promise<string> {
  script ??= import('esbuild').then(async (esbuild) => {
    const out = await esbuild.build({
      entryPoints: [join(HERE, 'page.ts')],
      bundle: true,
      minify: true,
      format: 'iife',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    return out.outputFiles[0].text;
  });
  return script;
}

/** `</script>` or `<!--` inside inlined text would end or confuse the script element. */
const inlineSafe = (s: string) => s.replace(/<(\/script|!--)/gi, '\\u003c$1');

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --pending: rgba(191,135,0,0.35); --critical: #cf222e; --warning: #bc4c00; --tip-bg: #1f2328; --tip-fg: #ffffff; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8b949e; --line: #30363d; --panel: #161b22;
  --pending: rgba(210,153,34,0.45); --critical: #f85149; --warning: #ffa657; --tip-bg: #e6edf3; --tip-fg: #0d1117; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1500px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 14px 0 2px; }
.sub, .note { color: var(--muted); margin: 0 0 6px; font-size: 13px; }
header { padding: 8px 0 4px; }
#cursor { position: sticky; top: 0; z-index: 5; background: var(--bg); height: 96px; overflow: hidden; font-size: 13px; padding: 4px 0; border-bottom: 1px solid var(--line); }
#cursor .active { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#cursor .critical { color: var(--critical); } #cursor .warning { color: var(--warning); } #cursor .pending, #cursor .quiet { color: var(--muted); }
.key { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin: 0 4px 0 12px; border-radius: 2px; }
button { font: inherit; background: var(--panel); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; padding: 2px 10px; cursor: pointer; margin-left: 12px; }
#lane { position: relative; margin-top: 8px; }
.lane-row { position: absolute; left: 0; right: 0; height: 20px; }
.lane-label { position: absolute; left: 0; text-align: right; color: var(--muted); font-size: 12px; line-height: 20px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.lane-name { position: absolute; font-size: 12px; line-height: 20px; white-space: nowrap; }
.alert-region { position: absolute; top: 2px; height: 16px; border-radius: 3px; font-size: 11px; line-height: 16px; color: #fff; padding-left: 4px; overflow: hidden; white-space: nowrap; cursor: help; }
.alert-region.pending { background: var(--pending); }
.alert-region.firing.critical { background: var(--critical); }
.alert-region.firing.warning { background: var(--warning); }
.fact { position: absolute; width: 18px; height: 18px; border-radius: 9px; border: 2px solid; font-size: 10px; line-height: 14px; text-align: center; font-weight: 600; background: var(--bg); cursor: help; }
.strip-label { font-size: 12px; color: var(--muted); margin: 4px 0 0 64px; font-family: ui-monospace, monospace; }
.strip-label.sick { color: var(--critical); font-weight: 600; }
#range { margin-left: 12px; }
#tip { position: absolute; z-index: 10; max-width: 560px; white-space: pre-wrap; background: var(--tip-bg); color: var(--tip-fg); padding: 8px 10px; border-radius: 6px; font-size: 12px; pointer-events: none; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.u-legend { font-size: 12px; text-align: left; padding-left: 56px; }
.u-legend .u-marker { width: 10px; height: 10px; }
.u-legend th { font-weight: 500; }
.u-legend tr:first-child { display: none; }
.u-select { background: rgba(127,127,127,0.18); }
table.timeline { border-collapse: collapse; margin-top: 8px; width: 100%; font-size: 13px; }
table.timeline td { border-top: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
table.timeline td.when { white-space: nowrap; color: var(--muted); }
table.timeline tr.human td.what { font-style: italic; }
`;

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The timeline as plain HTML under the charts: readable without the script, and printable. */
function timelineTable(data: ReportData): string {
  const rows = [
    ...data.alerts.flatMap((a) => [
      ...a.firing.map((f, i) => ({
        at: f.at,
        cls: f.severity,
        what: `FIRING ${f.severity}${i ? ` (was ${a.firing[i - 1].severity})` : ''}: ${a.title} — ${f.summary}`,
      })),
      ...(a.endAt !== undefined && a.firing.length
        ? [{ at: a.endAt, cls: 'resolved', what: a.resolvedSummary ?? `RESOLVED ${a.title}` }]
        : []),
    ]),
    ...data.facts.map((f, i) => ({ at: f.at, cls: 'human', what: `» humans (${i + 1}): ${f.what}` })),
  ].sort((x, y) => x.at - y.at);
  if (!rows.length) return '<p class="note">No alerts in this range.</p>';
  return `<table class="timeline">${rows.map((r) => `<tr class="${r.cls}"><td class="when">${escapeHtml(formatTimeWithUtc(r.at, data.timeZone))}</td><td class="what">${escapeHtml(r.what)}</td></tr>`).join('')}</table>`;
}

export async function reportHtml(data: ReportData): Promise<string> {
  const [js, uplotCss] = await Promise.all([pageScript(), readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')]);
  const start = data.t[0] * 1000;
  const end = data.t[data.t.length - 1] * 1000;
  const firing = data.alerts.filter((a) => a.firing.length).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${inlineSafe(uplotCss)}${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">${escapeHtml(formatTimeWithUtc(start, data.timeZone))} → ${escapeHtml(formatTimeWithUtc(end, data.timeZone))} · times in ${escapeHtml(data.timeZone)} (UTC in brackets) · ${firing} alert${firing === 1 ? '' : 's'} fired
<span class="key" style="background:var(--pending)"></span>pending<span class="key" style="background:var(--critical)"></span>firing (critical)<span class="key" style="background:var(--warning)"></span>firing (warning)
<span id="range" class="note"></span><button id="reset-zoom" hidden>Show the whole range</button></p>
<div id="lane"></div>
</header>
<div id="cursor"></div>
<div id="panels"></div>
<h2>Timeline</h2>
${timelineTable(data)}
</main>
<div id="tip" hidden></div>
<script id="report-data" type="application/json">${inlineSafe(JSON.stringify(data))}</script>
<script>${inlineSafe(js)}</script>
</body>
</html>
`;
}

/** Writes the page (creating its folder); returns where, with its size, for the CLI to print. */
export async function writeReport(file: string, data: ReportData): Promise<string> {
  const html = await reportHtml(data);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
  } catch (e) {
    throw new ConfigError([{ path: '--html', message: `cannot write ${file}: ${(e as Error).message}` }], 'arguments');
  }
  return `${file} (${Math.round(Buffer.byteLength(html) / 1024)} KiB)`;
}
