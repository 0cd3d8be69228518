// Between detect and transition: each finding's picture, recorded only when a channel
// shows pictures. Which checks have one, and what it shows, alerting/chart.ts says.
import { LIMITS } from '../limits.ts';
import type { CheckName } from '../model.ts';
import { cleanText } from '../redact.ts';
import type { AlertChart } from '../alerting/chart.ts';
import type { Detected } from './detect.ts';
import type { Run } from './run.ts';

// Loaded on the first run that draws, not at every function's start; once, since each
// dynamic import goes through the module loader again.
let chartModule: Promise<typeof import('../alerting/chart.ts')> | undefined;
const loadChartModule = () => (chartModule ??= import('../alerting/chart.ts'));

/** Records this run's chart points; each finding gets its chart (attached to its firing and repeat notifications). A failure costs the picture only, never the alert. */
export async function charts<C extends CheckName>(
  run: Run<C>,
  { observation, band, findings }: Detected<C>,
): Promise<Map<string, AlertChart>> {
  const { check, deps, now } = run;
  const out = new Map<string, AlertChart>();
  if (observation === undefined || !deps.notifiers.some((n) => n.drawsCharts)) return out;
  try {
    const { alertChart, chartPoints, chartSpecs, recordChartHistory } = await loadChartModule();
    if (!chartSpecs[check]) return out;
    const history = await recordChartHistory(deps.store, check, chartPoints(check, observation, band, now), now);
    for (const f of findings) {
      const chart = alertChart(check, f.key, history);
      if (chart) out.set(f.key, chart);
    }
  } catch (e) {
    deps.logger.log('WARNING', 'chart history not recorded', {
      check,
      error: cleanText(e instanceof Error ? e.message : String(e), LIMITS.errorTextChars),
    });
  }
  return out;
}
