// Stage 2, detect: the check's pure detector turns the observation into findings. A run
// that could not observe (or whose detector threw) has one finding instead: its source is
// blind. What the detector wants remembered is written with compare-and-swap.
import { detectors, type DetectorResult } from '../detectors/index.ts';
import { ConflictError, UpstreamError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { shortTitle, sourceFindingKey, type BandPoint, type CheckName, type Finding, type ObservationByCheck } from '../model.ts';
import { cleanText } from '../redact.ts';
import { stateKeys } from '../state/keys.ts';
import { forMember } from '../federation/tag.ts';
import type { Observed } from './observe.ts';
import type { Run } from './run.ts';

export interface Detected<C extends CheckName> {
  /** The detector's findings, and the source's own: blind, or seeing again. */
  findings: Finding[];
  /** The detector's expected band, when it has one (see DetectorResult). */
  band?: BandPoint[];
  /** What the findings were drawn from; absent when the run was blind. */
  observation?: ObservationByCheck[C];
}

export async function detect<C extends CheckName>(run: Run<C>, observed: Observed<C>): Promise<Detected<C>> {
  const { check, deps } = run;
  const { findings, band, memory, observation } = detectOrBlind(run, observed);
  if (memory !== undefined) {
    await deps.store.put(stateKeys.memory(check), memory, observed.memory?.version ?? null).catch((e: unknown) => {
      // Another overlapping run updated the model first; theirs is as good. Any other failure is the run's.
      if (!(e instanceof ConflictError)) throw e;
    });
  }
  // A fresh observation that works clears the "cannot see" alert of the source.
  if (!findings.some((f) => f.key === sourceFindingKey(check))) {
    const summary = `${check} can see its sources`;
    findings.push({ check, key: sourceFindingKey(check), status: 'ok', severity: 'warning', title: summary, summary, runbook: [] });
  }
  return { findings: deps.member ? findings.map((f) => forMember(f, deps.member!)) : findings, band, observation };
}

function detectOrBlind<C extends CheckName>(run: Run<C>, observed: Observed<C>): DetectorResult & { observation?: ObservationByCheck[C] } {
  if ('error' in observed) return blind(run, observed.error);
  const { check, deps, now } = run;
  try {
    const result = detectors[check].detect(
      observed.observation,
      deps.config.checks[check],
      now,
      observed.memory?.value,
      observed.peerMemory,
      observed.peerAlerts,
    );
    return { ...result, observation: observed.observation };
  } catch (e) {
    return blind(run, e);
  }
}

function blind({ check, deps }: Run, error: unknown): DetectorResult {
  const message = cleanText(error instanceof Error ? error.message : String(error), LIMITS.errorTextChars);
  deps.logger.log('WARNING', 'check could not observe', { check, error: message });
  const upstream = error instanceof UpstreamError ? error.upstream : 'source';
  return {
    findings: [
      {
        check,
        key: sourceFindingKey(check),
        status: 'unknown',
        severity: 'warning',
        title: shortTitle(`${check} cannot see ${upstream}`),
        summary: `${check} cannot see ${upstream}: ${message}`,
        runbook: [`binderwatch check ${check} --config <your config>  # run it by hand and read the error`],
      },
    ],
  };
}
