// Draws an alert's chart (AlertChart) as SVG and renders it to PNG with resvg, without a
// browser. resvg is a native module of a few MB: it is imported on the first picture a
// channel sends, never at a function's cold start.
import type { Logger } from '../../log.ts';
import type { AlertChart } from '../chart.ts';
import type { AlertNotification } from '../notifier.ts';

const W = 720;
const H = 300;
const M = { top: 58, right: 56, bottom: 34, left: 56 };
const COLORS: Record<AlertChart['series'][number]['color'], string> = {
  observed: '#0969da',
  expected: '#bc4c00',
  demand: '#7cb48f',
  limit: '#cf222e',
  muted: '#d4a72c',
  ok: '#1a7f37',
  failed: '#cf222e',
};
const FONT = `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"`;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (v: number) => Math.round(v * 10) / 10;

/** 4–6 round tick values covering [min, max]. */
function ticks(min: number, max: number): number[] {
  const span = max - min || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => span / s <= 6)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

function extent(values: (number | null)[][], floorZero: boolean): [number, number] {
  const all = values.flat().filter((v): v is number => v !== null);
  if (!all.length) return [0, 1];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (floorZero) lo = Math.min(0, lo);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.08;
  const top = hi + pad;
  const step = ticks(lo, top);
  return [lo, Math.max(top, step[step.length - 1])];
}

/** Path of runs of non-null values; a null breaks the line (a gap in the data stays a gap). */
function linePath(xs: number[], ys: (number | null)[], step: boolean): string {
  let d = '';
  let open = false;
  ys.forEach((y, i) => {
    if (y === null) return void (open = false);
    if (!open) d += `M${fixed(xs[i])},${fixed(y)}`;
    else d += step ? `H${fixed(xs[i])}V${fixed(y)}` : `L${fixed(xs[i])},${fixed(y)}`;
    open = true;
  });
  return d;
}

export function chartSvg(chart: AlertChart, timeZone = 'UTC'): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const tMax = Math.max(1, chart.t[chart.t.length - 1]);
  const xs = chart.t.map((s) => M.left + (s / tMax) * pw);
  const left = chart.series.filter((s) => s.axis !== 'right');
  const right = chart.series.filter((s) => s.axis === 'right');
  const probe = chart.series.every((s) => s.style === 'points');
  // Probe results without durations are two rows, ok above failed, with room around them.
  const rows = probe && chart.yLabel.startsWith('probe');
  const [lo, hi] = rows
    ? [-0.25, 1.25]
    : extent([...left.map((s) => s.values), ...(chart.band ? [chart.band.low, chart.band.high] : [])], true);
  const [rlo, rhi] = extent(
    right.map((s) => s.values),
    true,
  );
  const y = (v: number) => M.top + ph - ((v - lo) / (hi - lo)) * ph;
  const ry = (v: number) => M.top + ph - ((v - rlo) / (rhi - rlo)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="22" ${FONT} font-size="15" font-weight="bold" fill="#1f2328">${esc(chart.title)}</text>`);

  // Grid and axes.
  for (const v of rows ? [0, 1] : ticks(lo, hi)) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#e6e8eb"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${fixed(y(v) + 4)}" ${FONT} font-size="11" fill="#57606a" text-anchor="end">${rows ? (v === 1 ? 'ok' : 'failed') : v}</text>`,
    );
  }
  if (right.length) {
    for (const v of ticks(rlo, rhi))
      out.push(`<text x="${M.left + pw + 6}" y="${fixed(ry(v) + 4)}" ${FONT} font-size="11" fill="#57606a">${v}</text>`);
    out.push(
      `<text transform="translate(${W - 10},${M.top + ph / 2}) rotate(90)" ${FONT} font-size="11" fill="#57606a" text-anchor="middle">${esc(chart.rightLabel ?? '')}</text>`,
    );
  }
  out.push(
    `<text transform="translate(14,${M.top + ph / 2}) rotate(-90)" ${FONT} font-size="11" fill="#57606a" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  );
  const clock = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false });
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(chart.t0).find((p) => p.type === 'timeZoneName')
      ?.value ?? timeZone;
  const firstTick = Math.ceil(chart.t0 / 1_800_000) * 1_800_000;
  for (let at = firstTick; at <= chart.t0 + tMax * 1000; at += 1_800_000) {
    const x = M.left + ((at - chart.t0) / 1000 / tMax) * pw;
    out.push(`<line x1="${fixed(x)}" x2="${fixed(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f1f3"/>`);
    out.push(
      `<text x="${fixed(x)}" y="${M.top + ph + 16}" ${FONT} font-size="11" fill="#57606a" text-anchor="middle">${clock.format(at)}</text>`,
    );
  }
  out.push(`<text x="${M.left + pw}" y="${H - 4}" ${FONT} font-size="10" fill="#8c959f" text-anchor="end">${esc(zone)}</text>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#d0d7de"/>`);

  // The band: one polygon per run of points where both edges are known.
  if (chart.band) {
    const { low, high } = chart.band;
    let run: number[] = [];
    const flush = () => {
      if (run.length > 1) {
        const top = run.map((i) => `${fixed(xs[i])},${fixed(y(high[i]!))}`);
        const bottom = run.reverse().map((i) => `${fixed(xs[i])},${fixed(y(low[i]!))}`);
        out.push(`<polygon points="${[...top, ...bottom].join(' ')}" fill="#bc4c00" fill-opacity="0.14"/>`);
      }
      run = [];
    };
    low.forEach((l, i) => (l !== null && high[i] !== null ? run.push(i) : flush()));
    flush();
  }

  for (const s of chart.series) {
    const scale = s.axis === 'right' ? ry : y;
    const ys = s.values.map((v) => (v === null ? null : scale(v)));
    const color = COLORS[s.color];
    if (s.style === 'points') {
      ys.forEach((v, i) => v !== null && out.push(`<circle cx="${fixed(xs[i])}" cy="${fixed(v)}" r="4" fill="${color}"/>`));
      continue;
    }
    const dash = s.style === 'dashed' ? ' stroke-dasharray="6 4"' : '';
    // The right axis carries context (demand, pending pods): drawn lighter than the subject.
    const weight = s.axis === 'right' ? ' stroke-width="1" stroke-opacity="0.75"' : ' stroke-width="2.2"';
    out.push(`<path d="${linePath(xs, ys, s.style === 'step')}" fill="none" stroke="${color}"${weight}${dash} stroke-linejoin="round"/>`);
  }

  // Legend under the title.
  let lx = M.left;
  const items = [...chart.series]
    .reverse()
    .map((s) => ({ label: s.label, color: COLORS[s.color], dashed: s.style === 'dashed', dot: s.style === 'points' }));
  if (chart.band) items.push({ label: 'expected band', color: '#bc4c00', dashed: false, dot: false });
  for (const it of items) {
    const swatch = it.dot
      ? `<circle cx="${lx + 6}" cy="40" r="4" fill="${it.color}"/>`
      : it.label === 'expected band'
        ? `<rect x="${lx}" y="35" width="14" height="10" fill="${it.color}" fill-opacity="0.25"/>`
        : `<line x1="${lx}" x2="${lx + 14}" y1="40" y2="40" stroke="${it.color}" stroke-width="2.5"${it.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    out.push(swatch, `<text x="${lx + 18}" y="44" ${FONT} font-size="12" fill="#1f2328">${esc(it.label)}</text>`);
    lx += 18 + it.label.length * 7 + 16;
  }
  out.push('</svg>');
  return out.join('\n');
}

/** PNG at twice the SVG's size (sharp on high-density screens). */
export async function renderChartPng(chart: AlertChart, timeZone = 'UTC'): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const svg = chartSvg(chart, timeZone);
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
  return Buffer.from(png);
}

/** The notification's picture, or undefined when it has none or it fails to render: a picture never blocks an alert. */
export async function pictureOf(n: AlertNotification, timeZone: string | undefined, logger?: Logger): Promise<Buffer | undefined> {
  if (!n.chart) return undefined;
  try {
    return await renderChartPng(n.chart, timeZone);
  } catch (e) {
    logger?.log('WARNING', 'alert chart did not render; sending the alert without it', {
      key: n.key,
      error: e instanceof Error ? e.message : String(e),
    });
    return undefined;
  }
}
