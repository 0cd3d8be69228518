// A Prometheus that answers every query with as many valid samples as it is told to,
// whatever range and step were asked: the hostile (or broken) upstream whose answers are
// small in bytes and large in memory. One series per answer, so a `sum(…)` query takes it.
import { startLoopback, type Loopback } from './loopback-faults.ts';

export interface HostilePrometheus extends Loopback {
  /** Samples in each answer from now on. */
  samplesPerAnswer: number;
}

/** Values are a plausible pod count ("150"), so nothing but their number can refuse them. */
export function matrixOf(samples: number, startS: number): unknown {
  const values: [number, string][] = new Array(samples);
  for (let i = 0; i < samples; i++) values[i] = [startS + i, '150'];
  return { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } };
}

export async function startHostilePrometheus(samplesPerAnswer: number): Promise<HostilePrometheus> {
  const settings = { samplesPerAnswer };
  const loopback = await startLoopback({
    errorBody: (status, message) => ({ status: 'error', errorType: String(status), error: message }),
    route: (req) => {
      const start = Number(new URL(req.url, 'http://x').searchParams.get('start') ?? 0);
      return { status: 200, body: matrixOf(settings.samplesPerAnswer, Math.floor(start)) };
    },
  });
  // The loopback's own fields, and samplesPerAnswer read live by the route.
  return Object.defineProperty({ ...loopback }, 'samplesPerAnswer', {
    get: () => settings.samplesPerAnswer,
    set: (n: number) => (settings.samplesPerAnswer = n),
    enumerable: true,
  }) as HostilePrometheus;
}
