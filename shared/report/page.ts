// The incident report page's script (runs in the browser; bundled with uPlot into the
// page by html.ts). Every panel shares one time axis: the cursor, zoom and the alert
// shading move together, so a levelling-off can be read against nodes and crash-loops.
import uPlot from 'uplot';
import type { AlertSpan, Column, ReportData } from './data.ts';

const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
const tz = data.timeZone;

interface Palette {
  text: string;
  grid: string;
  pods: string;
  expected: string;
  band: string;
  demand: string;
  nodes: string;
  cordoned: string;
  max: string;
  pending: string;
  crash: string;
  ok: string;
  failed: string;
  pendingSpan: string;
  /** A firing span's tint: neutral, so red data (crash-loops, failed probes) stays readable under it. */
  firingSpan: string;
  criticalSpan: string;
  warningSpan: string;
  resolved: string;
  human: string;
}

const LIGHT: Palette = {
  text: '#1f2328',
  grid: 'rgba(0,0,0,0.08)',
  pods: '#0969da',
  expected: '#bc4c00',
  band: 'rgba(188,76,0,0.13)',
  demand: 'rgba(26,127,55,0.45)',
  nodes: '#0969da',
  cordoned: '#8250df',
  max: '#cf222e',
  pending: 'rgba(154,103,0,0.35)',
  crash: '#cf222e',
  ok: '#1a7f37',
  failed: '#cf222e',
  pendingSpan: 'rgba(191,135,0,0.13)',
  firingSpan: 'rgba(87,96,106,0.10)',
  criticalSpan: '#cf222e',
  warningSpan: '#bc4c00',
  resolved: '#1a7f37',
  human: '#57606a',
};

const DARK: Palette = {
  text: '#e6edf3',
  grid: 'rgba(255,255,255,0.09)',
  pods: '#58a6ff',
  expected: '#ffa657',
  band: 'rgba(255,166,87,0.16)',
  demand: 'rgba(63,185,80,0.38)',
  nodes: '#58a6ff',
  cordoned: '#d2a8ff',
  max: '#ff7b72',
  pending: 'rgba(210,153,34,0.4)',
  crash: '#ff7b72',
  ok: '#3fb950',
  failed: '#ff7b72',
  pendingSpan: 'rgba(210,153,34,0.14)',
  firingSpan: 'rgba(139,148,158,0.12)',
  criticalSpan: '#f85149',
  warningSpan: '#ffa657',
  resolved: '#3fb950',
  human: '#8b949e',
};

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
const localTime = new Intl.DateTimeFormat('en-US', {
  timeZone: tz,
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZoneName: 'short',
});
const utcTime = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hour12: false });
/** "Jan 18, 05:54 PST (13:54 UTC)", like the text timeline. */
const both = (ms: number) => `${localTime.format(ms)} (${utcTime.format(ms)} UTC)`;
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const AXIS_LEFT = 64;
/** Height of a firing span's severity bar (CSS px). */
const SEVERITY_BAR = 4;
/** Height of one crash-loop strip's plot area, the same for every node (CSS px). */
const STRIP_AREA = 32;
/** Space above and below a strip's plot area (CSS px). */
const STRIP_PAD = 6;
/** Height of the time axis under the last panel of a group (CSS px). */
const TIME_AXIS = 44;
const AXIS_RIGHT = 64;
const plots: uPlot[] = [];
let syncingScale = false;
let zoom: { min: number; max: number } | undefined;

/**
 * The range the page opens on: every alert span with a margin on each side (at least an
 * hour, or a quarter of the spans), so a night's incident fills the panels; undefined
 * (the whole range) when there is no alert or the spans cover most of it anyway.
 */
function incidentWindow(): { min: number; max: number } | undefined {
  if (!data.alerts.length) return undefined;
  const [first, last] = [data.t[0], data.t[data.t.length - 1]];
  const from = Math.min(...data.alerts.map((a) => a.pendingAt / 1000));
  const to = Math.max(...data.alerts.map(spanEnd));
  const margin = Math.max(3600, (to - from) / 4);
  const min = Math.max(first, from - margin);
  const max = Math.min(last, to + margin);
  return max - min < 0.8 * (last - first) ? { min, max } : undefined;
}

function spanEnd(a: AlertSpan): number {
  return (a.endAt ?? data.t[data.t.length - 1] * 1000) / 1000;
}

/** Each firing phase (a severity change starts a new one) as [from, to] in seconds. */
function phases(a: AlertSpan): [number, number, AlertSpan['firing'][number]][] {
  return a.firing.map((f, i) => [f.at / 1000, i + 1 < a.firing.length ? a.firing[i + 1].at / 1000 : spanEnd(a), f]);
}

/** Overlapping [from, to] intervals merged, sorted by start. */
function union(spans: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [from, to] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

/** Alert spans shaded and the human timeline drawn under every panel's series. */
function shadePlugin(p: Palette): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx, bbox } = u;
        const x = (s: number) => u.valToPos(s, 'x', true);
        ctx.save();
        ctx.beginPath();
        ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
        ctx.clip();
        const fill = (color: string, [from, to]: [number, number], height = bbox.height) => {
          ctx.fillStyle = color;
          ctx.fillRect(x(from), bbox.top, Math.max(1, x(to) - x(from)), height);
        };
        // Tints for the union of the spans (overlapping alerts do not darken the data), then
        // each firing phase's severity as a bar along the top edge, criticals over warnings.
        for (const span of union(data.alerts.map((a) => [a.pendingAt / 1000, a.firing.length ? a.firing[0].at / 1000 : spanEnd(a)]))) {
          fill(p.pendingSpan, span);
        }
        const firing = data.alerts.flatMap(phases);
        for (const span of union(firing.map(([from, to]) => [from, to]))) fill(p.firingSpan, span);
        for (const severity of ['warning', 'critical'] as const) {
          for (const [from, to] of firing.filter(([, , f]) => f.severity === severity)) {
            fill(severity === 'critical' ? p.criticalSpan : p.warningSpan, [from, to], SEVERITY_BAR * devicePixelRatio);
          }
        }
        for (const a of data.alerts) {
          if (a.endAt !== undefined && a.firing.length) fill(p.resolved, [spanEnd(a), spanEnd(a)], bbox.height);
        }
        ctx.strokeStyle = p.human;
        ctx.lineWidth = devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
        for (const f of data.facts) {
          ctx.beginPath();
          ctx.moveTo(x(f.at / 1000), bbox.top);
          ctx.lineTo(x(f.at / 1000), bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function axes(p: Palette, rightLabel: string | undefined, leftLabel: string, showTime: boolean): uPlot.Axis[] {
  const common = {
    stroke: p.text,
    grid: { stroke: p.grid, width: 1 },
    ticks: { stroke: p.grid, width: 1 },
    font: '12px system-ui, sans-serif',
    labelFont: '12px system-ui, sans-serif',
  };
  const out: uPlot.Axis[] = [
    { ...common, show: showTime, size: showTime ? 44 : 0 },
    { ...common, label: leftLabel, size: AXIS_LEFT - 20, labelSize: 20 },
  ];
  out.push(
    rightLabel
      ? { ...common, scale: 'right', side: 1, label: rightLabel, size: AXIS_RIGHT - 20, labelSize: 20, grid: { show: false } }
      : { show: true, side: 1, size: AXIS_RIGHT, stroke: 'transparent', grid: { show: false }, ticks: { show: false }, values: () => [] },
  );
  return out;
}

function basePlot(p: Palette, height: number, series: uPlot.Series[], opts: Partial<uPlot.Options>, width: number): uPlot.Options {
  return {
    width,
    height,
    tzDate: (s) => uPlot.tzDate(new Date(s * 1000), tz),
    cursor: { y: false, sync: { key: 'report', setSeries: false }, drag: { x: true, y: false }, points: { size: 7 } },
    legend: { live: true },
    scales: { x: { time: true } },
    plugins: [shadePlugin(p)],
    series: [{ label: 'time', value: (_u, s) => (s == null ? '—' : both(s * 1000)) }, ...series],
    hooks: {
      setScale: [
        (u, key) => {
          if (key !== 'x' || syncingScale) return;
          syncingScale = true;
          const { min, max } = u.scales.x;
          const full = min! <= data.t[0] && max! >= data.t[data.t.length - 1];
          zoom = full ? undefined : { min: min!, max: max! };
          for (const other of plots) if (other !== u) other.setScale('x', { min: min!, max: max! });
          syncingScale = false;
          if (plots.length) drawLane(palette());
          showRange();
        },
      ],
      setCursor: [(u) => showCursor(u.cursor.idx ?? null)],
    },
    ...opts,
  };
}

const num = (digits: number) => (_u: uPlot, v: number | null) => (v == null ? '—' : v.toFixed(digits));

function panel(title: string, note: string, className = 'panel'): HTMLElement {
  const section = document.createElement('section');
  section.className = className;
  section.innerHTML = `<h2>${escape(title)}</h2>${note ? `<p class="note">${escape(note)}</p>` : ''}`;
  document.getElementById('panels')!.append(section);
  return section;
}

function addPlot(section: HTMLElement, opts: uPlot.Options, columns: Column[]): void {
  const el = document.createElement('div');
  el.className = 'plot';
  section.append(el);
  const u = new uPlot(opts, [data.t, ...columns] as uPlot.AlignedData, el);
  plots.push(u);
}

const palette = () => (darkQuery.matches ? DARK : LIGHT);

function build(): void {
  const p = palette();
  const keep = zoom;
  for (const u of plots.splice(0)) u.destroy();
  document.getElementById('panels')!.replaceChildren();
  const width = Math.max(480, document.getElementById('panels')!.clientWidth);

  // A federation's deployment-wide series are its members' (below); a single hub's are its own.
  if (!data.members.length || data.pods.some((v) => v !== null)) mainPanel(p, width);
  for (const m of data.members) memberPanel(p, width, m);

  for (const pool of data.pools) {
    addPlot(
      panel(`Nodes in pool ${pool.pool}`, 'Cordoned nodes count against the autoscaler max but take no pods.'),
      basePlot(
        p,
        200,
        [
          { label: 'nodes', stroke: p.nodes, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), value: num(0) },
          { label: 'cordoned', stroke: p.cordoned, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), value: num(0) },
          { label: 'autoscaler max', stroke: p.max, width: 2, dash: [8, 4], paths: uPlot.paths.stepped!({ align: 1 }), value: num(0) },
          {
            label: 'pending pods',
            stroke: p.pending,
            fill: p.pending,
            width: 1,
            scale: 'right',
            paths: uPlot.paths.stepped!({ align: 1 }),
            value: num(0),
          },
        ],
        {
          axes: axes(p, 'pending pods', 'nodes', true),
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
        },
        width,
      ),
      [pool.nodes, pool.cordoned, pool.max, pool.pending],
    );
  }

  if (data.crashloops.length) crashLoopPanel(p, width);

  if (data.probes.length) {
    // Each repo is a row; a point per probe run, green ok, red failed.
    const index = new Map<number, number>(data.t.map((s, k) => [s, k]));
    const columns: Column[] = [];
    const series: uPlot.Series[] = [];
    data.probes.forEach((probe, row) => {
      const ok: Column = data.t.map(() => null);
      const failed: Column = data.t.map(() => null);
      for (const r of probe.results) {
        const k = index.get(Math.round(r.t / 60_000) * 60);
        if (k !== undefined) (r.ok ? ok : failed)[k] = row + 1;
      }
      const label = probe.repo.replace(/^gh\//, '');
      const points = (stroke: string) => ({ show: true, size: 9, stroke, fill: stroke });
      series.push({
        label: `${label} ok`,
        stroke: p.ok,
        paths: () => null,
        points: points(p.ok),
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : 'ok'),
      });
      series.push({
        label: `${label} failed`,
        stroke: p.failed,
        paths: () => null,
        points: points(p.failed),
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : 'FAILED'),
      });
      columns.push(ok, failed);
    });
    const rows = data.probes.length;
    const probeAxes = axes(p, undefined, '', true);
    probeAxes[1] = {
      ...probeAxes[1],
      splits: () => data.probes.map((_, i) => i + 1),
      values: () => data.probes.map((_, i) => `#${i + 1}`),
      label: 'repo',
    };
    addPlot(
      panel('Launch probes', data.probes.map((pr, i) => `#${i + 1} ${pr.repo}`).join(' · ')),
      basePlot(p, 70 + 26 * rows, series, { axes: probeAxes, scales: { x: { time: true }, y: { range: [0.5, rows + 0.5] } } }, width),
      columns,
    );
  }

  if (keep) plots[0].setScale('x', keep);
  drawLane(p);
}

/** The whole hub's arrivals and running pods against the trafficVsPods model. */
function mainPanel(p: Palette, width: number): void {
  addPlot(
    panel(
      'People arriving and running pods',
      'Expected pods and band: the trafficVsPods model, as the detector predicted them a window ahead; observed below the band is its alert.',
    ),
    basePlot(
      p,
      260,
      [
        { label: 'running pods', stroke: p.pods, width: 2, value: num(0) },
        { label: 'expected (model)', stroke: p.expected, width: 2, dash: [6, 4], value: num(0) },
        { label: 'band low', stroke: p.expected, width: 0.5, value: num(0) },
        { label: 'band high', stroke: p.expected, width: 0.5, value: num(0) },
        { label: 'demand /min', stroke: p.demand, width: 1, scale: 'right', value: num(1) },
      ],
      { axes: axes(p, 'demand per minute', 'pods', true), bands: [{ series: [4, 3], fill: p.band }] },
      width,
    ),
    [data.pods, data.expected, data.low, data.high, data.demand],
  );
}

/** One member of a federation: its running pods against its pod quota, and its demand, on the shared time axis. */
function memberPanel(p: Palette, width: number, m: ReportData['members'][number]): void {
  const section = panel(
    `Member ${m.member}: running pods`,
    'Pods against the pod quota it reports on /health; demand per minute on the right.',
  );
  section.dataset.member = m.member;
  addPlot(
    section,
    basePlot(
      p,
      200,
      [
        { label: 'running pods', stroke: p.pods, width: 2, value: num(0) },
        { label: 'pod quota', stroke: p.max, width: 2, dash: [8, 4], value: num(0) },
        { label: 'demand /min', stroke: p.demand, width: 1, scale: 'right', value: num(1) },
      ],
      { axes: axes(p, 'demand per minute', 'pods', true) },
      width,
    ),
    [m.pods, m.quota, m.demand],
  );
}

/** Nodes an alert named as sick (a firing clusterHealth alert on `node:<name>`). */
const sickNodes = new Set(
  data.alerts.filter((a) => a.check === 'clusterHealth' && a.firing.length).map((a) => a.key.replace(/^node:/, '')),
);

/**
 * One strip per node on one shared scale (a transient crash reads small beside a sick
 * node's several pods), the nodes alerted as sick first and marked.
 */
function crashLoopPanel(p: Palette, width: number): void {
  const section = panel(
    'Crash-looping pods per node',
    'One strip per node, one scale for all; a node with pods of several owners crash-looping is the sick one.',
  );
  const nodes = [...data.crashloops].sort((a, b) => Number(sickNodes.has(b.node)) - Number(sickNodes.has(a.node)));
  const peak = Math.max(1, ...nodes.flatMap((c) => c.count.map((v) => v ?? 0)));
  nodes.forEach((c, i) => {
    const last = i === nodes.length - 1;
    const sick = sickNodes.has(c.node);
    const label = document.createElement('div');
    label.className = sick ? 'strip-label sick' : 'strip-label';
    label.dataset.node = c.node;
    label.textContent = sick ? `${c.node} — alerted as a sick node` : c.node;
    label.title = c.pods.join('\n');
    section.append(label);
    addPlot(
      section,
      basePlot(
        p,
        STRIP_AREA + 2 * STRIP_PAD + (last ? TIME_AXIS : 0),
        [{ label: 'crash-looping', stroke: p.crash, fill: p.crash, width: 1, paths: uPlot.paths.stepped!({ align: 1 }), value: num(0) }],
        {
          axes: axes(p, undefined, '', last),
          scales: { x: { time: true }, y: { range: [0, peak] } },
          legend: { show: false },
          // Fixed padding (uPlot's own depends on the axes), so every strip's plot area is STRIP_AREA.
          padding: [STRIP_PAD, null, STRIP_PAD, null],
        },
        width,
      ),
      [c.count],
    );
  });
}

/** The shown range beside the zoom-out button, with the range as data for tests and scripts. */
function showRange(): void {
  const [min, max] = zoom ? [zoom.min, zoom.max] : [data.t[0], data.t[data.t.length - 1]];
  const range = document.getElementById('range')!;
  range.dataset.from = String(min * 1000);
  range.dataset.to = String(max * 1000);
  const hours = (s: number) => `${Math.round(s / 360) / 10} h`;
  range.textContent = zoom
    ? `Showing ${both(min * 1000)} → ${both(max * 1000)} (${hours(max - min)} of ${hours(data.t[data.t.length - 1] - data.t[0])})`
    : `Showing the whole range (${hours(max - min)})`;
  document.getElementById('reset-zoom')!.hidden = !zoom;
}

/** The alert lane: one row per alert with its spans, and the human timeline; hover shows the summary. */
function drawLane(p: Palette): void {
  const lane = document.getElementById('lane')!;
  const first = plots[0];
  const left = first.over.offsetLeft;
  const width = first.over.clientWidth;
  const [min, max] = zoom ? [zoom.min, zoom.max] : [data.t[0], data.t[data.t.length - 1]];
  const x = (ms: number) => left + ((ms / 1000 - min) / (max - min)) * width;
  const rows: string[] = [];
  const clip = (a: number, b: number) => {
    const l = Math.max(left, Math.min(left + width, a));
    const r = Math.max(left, Math.min(left + width, b));
    return `left:${l}px;width:${Math.max(2, r - l)}px`;
  };
  data.alerts.forEach((a, i) => {
    const end = spanEnd(a) * 1000;
    const fired = a.firing.length > 0;
    const tip = (summary: string, severity: string) =>
      escape(
        `${severity.toUpperCase()} ${a.title}\n${a.status === 'unknown' ? 'cannot see: ' : ''}${summary}\n${a.check} · ${a.key}\n` +
          `pending ${both(a.pendingAt)}${a.firing.map((f) => `\nfiring (${f.severity}) ${both(f.at)}`).join('') || '\n(cleared before firing)'}` +
          `${a.endAt !== undefined ? `\n${fired ? 'resolved' : 'cleared'} ${both(a.endAt)}` : '\nstill firing at the end of the data'}`,
      );
    const firingFrom = fired ? a.firing[0].at : end;
    // The name sits beside its span, on whichever side has room.
    const before = x(a.pendingAt) - left > 360;
    const name = `<span class="lane-name" style="${before ? `right:${lane.clientWidth - x(a.pendingAt) + 6}px` : `left:${x(end) + 6}px`}" title="${escape(`${a.check} ${a.key}`)}">${escape(a.title)}</span>`;
    rows.push(
      `<div class="lane-row" style="top:${i * 22}px">${name}` +
        `<span class="alert-region pending" data-alert="${i}" data-tip="${tip(a.summary, 'pending')}" style="${clip(x(a.pendingAt), x(firingFrom))}"></span>` +
        phases(a)
          .map(
            ([from, to, f]) =>
              `<span class="alert-region firing ${f.severity}" data-alert="${i}" data-tip="${tip(f.summary, f.severity)}" style="${clip(x(from * 1000), x(to * 1000))}"></span>`,
          )
          .join('') +
        `</div>`,
    );
  });
  const factRow = data.alerts.length * 22;
  if (data.facts.length) {
    rows.push(`<div class="lane-row" style="top:${factRow}px"><span class="lane-label" style="width:${left - 6}px">people</span></div>`);
    data.facts.forEach((f, i) => {
      const at = x(f.at);
      if (at < left || at > left + width) return;
      rows.push(
        `<span class="fact" style="top:${factRow + 1}px;left:${at - 9}px;border-color:${p.human}" data-tip="${escape(`${both(f.at)}\n${f.what}${f.timeIs === 'assumed' ? '\n(time assumed by the reconstruction)' : ''}`)}">${i + 1}</span>`,
      );
    });
  }
  lane.style.height = `${factRow + (data.facts.length ? 22 : 0)}px`;
  lane.innerHTML = rows.join('');
}

function showCursor(idx: number | null): void {
  const out = document.getElementById('cursor')!;
  if (idx == null) {
    out.textContent = 'Move over a panel to read values; drag to zoom, double-click to zoom out.';
    return;
  }
  const ms = data.t[idx] * 1000;
  const active = data.alerts.filter((a) => a.pendingAt <= ms && spanEnd(a) * 1000 >= ms);
  const line = (a: AlertSpan) => {
    const phase = phases(a).find(([from, to]) => from * 1000 <= ms && ms <= to * 1000)?.[2];
    return phase
      ? `<div class="active ${phase.severity}"><strong>FIRING ${escape(a.title)}</strong> — ${escape(phase.summary)}</div>`
      : `<div class="active pending"><strong>pending ${escape(a.title)}</strong> — ${escape(a.summary)}</div>`;
  };
  // The readout keeps one height (so the panels below never jump): four lines of alerts at most.
  const shown = active.length > 4 ? 3 : 4;
  const more = active.length > shown ? `<div class="quiet">and ${active.length - shown} more (see the alert lane above)</div>` : '';
  out.innerHTML =
    `<strong>${escape(both(ms))}</strong>` +
    (active.length ? active.slice(0, shown).map(line).join('') + more : '<div class="quiet">no alert pending or firing</div>');
}

function tooltips(): void {
  const tip = document.getElementById('tip')!;
  document.addEventListener('mouseover', (e) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>('[data-tip]');
    if (!el) return ((tip.hidden = true), undefined);
    tip.textContent = el.dataset.tip!;
    tip.hidden = false;
    const r = el.getBoundingClientRect();
    tip.style.left = `${Math.min(window.innerWidth - tip.offsetWidth - 8, Math.max(8, r.left + window.scrollX))}px`;
    tip.style.top = `${r.bottom + window.scrollY + 6}px`;
  });
}

document.getElementById('reset-zoom')!.addEventListener('click', () => {
  for (const u of plots) u.setScale('x', { min: data.t[0], max: data.t[data.t.length - 1] });
});
darkQuery.addEventListener('change', build);
zoom = incidentWindow();
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(build, 150);
});
build();
showRange();
showCursor(null);
tooltips();
