// The launch probe as an observation source.
// A probe launches a repo through BinderHub, contacts the server, and always stops it
// again once BinderHub handed it over — also when contact failed.
import type { LaunchProbeConfig } from '../config/schema.ts';
import { LIMITS } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { LaunchPhase, ProbeAttempt, ProbeResult } from '../model.ts';
import { redact, registerSecret } from '../redact.ts';
import { buildUrl, MessageLog, streamLaunch, type FetchLike, type LaunchEvent } from '../clients/binderhub.ts';
import {
  contactServer,
  ensureServerGone,
  ForeignServerError,
  serverLocation,
  shutdownServer,
  underHub,
  type ServerRef,
} from '../clients/jupyterhub.ts';
import { hubOf } from '../detectors/launch-probe.ts';
import type { ObservationSource } from './source.ts';

/** Progress of one probe, for live display. `phase` is a BinderHub phase, or contact / stop / done. */
export interface ProbeProgress {
  binderUrl: string;
  repo: string;
  phase: string;
  message?: string;
  /** Since the probe started. */
  elapsedMs: number;
  /** On `done`: the result. */
  result?: ProbeResult;
}

export interface ProbeTarget {
  binderUrl: string;
  /** The hub's configured name, carried into the result for titles. */
  name?: string;
  repo: string;
  /** JupyterHub base URL: the admin API's, and where `ready` must name the server (else no token is sent). */
  hubUrl?: string;
  /** Hub admin API token (admin:users, admin:servers): confirm the stop, delete if needed. */
  hubApiToken?: string;
}

export interface ProbeSettings {
  /** The whole probe, stop included (see stopReserveMs). */
  timeoutMs: number;
  idleTimeoutMs: number;
  contactTimeoutMs: number;
  stopRetries: number;
  stopConfirmTimeoutMs: number;
}

export interface ProbeOptions {
  fetch?: FetchLike;
  logger?: Logger;
  onPhase?: (p: ProbeProgress) => void;
  /** Wall clock for `ProbeResult.at` (epoch ms). */
  clock?: () => number;
  /** First wait between api/shutdown attempts (doubles each retry). */
  stopBackoffMs?: number;
  signal?: AbortSignal;
}

export function probeSettings(cfg: LaunchProbeConfig): ProbeSettings {
  return {
    timeoutMs: cfg.timeout,
    idleTimeoutMs: cfg.idleTimeout,
    contactTimeoutMs: cfg.contactTimeout,
    stopRetries: cfg.stopRetries,
    stopConfirmTimeoutMs: cfg.stopConfirmTimeout,
  };
}

/** The part of the probe's timeout kept for the stop: launch and contact must end this much before it. */
export function stopReserveMs(timeoutMs: number): number {
  return Math.min(LIMITS.maxStopReserveMs, Math.round(timeoutMs * LIMITS.stopReserveShare));
}

/** Stops a server BinderHub handed over, by `signal` (the end of the probe's timeout); a failure here is the probe's own finding. */
async function stopServer(
  ref: ServerRef,
  target: ProbeTarget,
  settings: ProbeSettings,
  opts: ProbeOptions,
  log: MessageLog,
  signal: AbortSignal,
  startedAfter: number,
): Promise<{ ok: boolean; error?: string }> {
  const http = { timeoutMs: settings.contactTimeoutMs, fetch: opts.fetch, signal };
  const shutdown = await shutdownServer(ref, { ...http, retries: settings.stopRetries, backoffMs: opts.stopBackoffMs ?? 1000 });
  if (shutdown.ok && shutdown.attempts > 1) log.add(`stop: api/shutdown took ${shutdown.attempts} attempts`);
  if (!target.hubApiToken)
    return shutdown.ok ? { ok: true } : { ok: false, error: `${shutdown.error}; no hub API token configured, the server may be leaking` };
  // The admin token goes only to the configured hub, never to a host the launch named.
  if (!target.hubUrl)
    return { ok: false, error: `${shutdown.error ?? 'api/shutdown ok'}; no hubUrl configured, so the hub API token was not used` };

  let loc;
  try {
    loc = serverLocation(ref.url, target.hubUrl);
  } catch (e) {
    return { ok: false, error: `${shutdown.error ?? 'api/shutdown ok'}; ${(e as Error).message}` };
  }
  // The hub answers a DELETE only once the spawner stopped the server (or after its slow_stop_timeout), so it gets the confirm window.
  const hubHttp = { timeoutMs: Math.max(settings.contactTimeoutMs, settings.stopConfirmTimeoutMs), fetch: opts.fetch, signal };
  const gone = await ensureServerGone(loc, target.hubApiToken, {
    ...hubHttp,
    confirmTimeoutMs: settings.stopConfirmTimeoutMs,
    shutdownOk: shutdown.ok,
    startedAfter,
  });
  if (gone.deleted) log.add(`stop: deleted ${loc.user}'s server through the hub API`);
  if (!gone.gone) return { ok: false, error: `${shutdown.error ?? 'api/shutdown ok'}; hub API: ${gone.error}` };
  // Cleaned up through the hub, but the server itself would not stop: still a finding.
  return shutdown.ok ? { ok: true } : { ok: false, error: `${shutdown.error}; the hub API deleted the server` };
}

/** One launch of one repo on one BinderHub, start to clean stop. Never throws. */
export async function runLaunchProbe(target: ProbeTarget, settings: ProbeSettings, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const at = (opts.clock ?? Date.now)();
  // The hub's clock is real, so the window the hub must confirm a server started in is too (`at` may be a test's clock).
  const startedAfter = Date.now();
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const progress = (phase: string, message?: string, result?: ProbeResult) =>
    opts.onPhase?.({ binderUrl: target.binderUrl, repo: target.repo, phase, message, elapsedMs: elapsed(), result });
  if (target.hubApiToken) registerSecret(target.hubApiToken);
  try {
    buildUrl(target.binderUrl, target.repo);
  } catch (e) {
    // A spec we cannot send is a config mistake, not the hub's failure.
    const result: ProbeResult = { ...resultBase(target, at), ok: false, unknownReason: (e as Error).message };
    progress('done', result.unknownReason, result);
    return result;
  }

  // One deadline for the whole probe; launch and contact leave the stop its reserve.
  const probeEnd = AbortSignal.timeout(settings.timeoutMs);
  const launchMs = settings.timeoutMs - stopReserveMs(settings.timeoutMs);
  const launchEnd = AbortSignal.timeout(launchMs);
  const launch = await streamLaunch(target.binderUrl, target.repo, {
    timeoutMs: launchMs,
    idleTimeoutMs: settings.idleTimeoutMs,
    fetch: opts.fetch,
    signal: opts.signal,
    onEvent: (e: LaunchEvent) => progress(e.phase, e.message),
  });
  const log = new MessageLog();
  for (const m of launch.messages) log.add(m);
  const durations = { ...launch.durations };
  const base = { ...resultBase(target, at), durations };

  let result: ProbeResult;
  if (!launch.ok) {
    result = { ...base, ok: false, failedPhase: launch.failedPhase, error: launch.error, messages: log.messages };
  } else if (target.hubUrl && !underHub(launch.url, target.hubUrl)) {
    // BinderHub named a server elsewhere: contacting or stopping it would send our tokens where it chose.
    const error = `${new ForeignServerError(launch.url, target.hubUrl).message}; not stopped`;
    result = { ...base, ok: false, failedPhase: 'contact', error: redact(error), messages: log.messages };
  } else {
    const ref = { url: launch.url, token: launch.token };
    progress('contact');
    let t = performance.now();
    const contact = await contactServer(ref, { timeoutMs: settings.contactTimeoutMs, fetch: opts.fetch, signal: launchEnd });
    durations.contact = Math.round(performance.now() - t);
    if (!contact.ok) log.add(`contact: ${contact.error}`);

    progress('stop');
    t = performance.now();
    const stop = await stopServer(ref, target, settings, opts, log, probeEnd, startedAfter);
    durations.stop = Math.round(performance.now() - t);
    if (!stop.ok) log.add(`stop: ${stop.error}`);

    // Contact failing is the finding; a stop failing after it is told in the error.
    const failedPhase: LaunchPhase | undefined = !contact.ok ? 'contact' : !stop.ok ? 'stop' : undefined;
    const error = [!contact.ok && contact.error, !stop.ok && `stop failed: ${stop.error}`].filter(Boolean).join('; ');
    result = { ...base, ok: !failedPhase, ...(failedPhase ? { failedPhase, error: redact(error) } : {}), messages: log.messages };
  }
  progress('done', result.ok ? 'ok' : `failed in ${result.failedPhase}`, result);
  opts.logger?.log(result.ok ? 'INFO' : 'WARNING', `launch probe ${result.ok ? 'ok' : `failed in ${result.failedPhase}`}`, {
    binderUrl: result.binderUrl,
    repo: result.repo,
    durations: result.durations,
    ...(result.error ? { error: result.error } : {}),
  });
  return result;
}

/**
 * Phases whose failure is confirmed by a second launch: those before a server exists.
 * Not after a server was handed over (contact, stop): its clean-up may still be under
 * way, and launching again beside it leaked a server on a real JupyterHub in tests.
 * Not a timeout: a hang is the finding, and a second one would double the run.
 */
const CONFIRMED_PHASES = new Set<string>(['resolve', 'build', 'launch']);
/** The confirmation gets what is left of the first launch's timeout, but at least this. */
const CONFIRMATION_MIN_MS = 60_000;

const attemptOf = (r: ProbeResult): ProbeAttempt => ({ at: r.at, ok: r.ok, failedPhase: r.failedPhase, error: r.error });

/**
 * One probe run: a launch that fails before a server exists is launched once more at
 * once, as Checkly and Datadog retry inside a run, so a one-off blip is not a failed
 * run. Both attempts are recorded; the run's result is the confirmation's. Both
 * together stay within one probe timeout plus a minute, inside the function's deadline.
 * `extra` more launches follow (adaptive probing, asked for by the detector), one after
 * the other within what is left of that same budget, each recorded as an extra attempt.
 */
export async function runConfirmedProbe(
  target: ProbeTarget,
  settings: ProbeSettings,
  opts: ProbeOptions = {},
  extra = 0,
): Promise<ProbeResult> {
  const started = performance.now();
  // Whole milliseconds: AbortSignal.timeout refuses a fraction.
  const left = () => Math.floor(settings.timeoutMs + CONFIRMATION_MIN_MS - (performance.now() - started));
  const first = await runLaunchProbe(target, settings, opts);
  // Launching again is safe only after a success or a failure before any server existed (see CONFIRMED_PHASES).
  const relaunchable = (r: ProbeResult) => !r.unknownReason && !opts.signal?.aborted && (r.ok || CONFIRMED_PHASES.has(r.failedPhase!));
  let run = first;
  if (!first.ok && relaunchable(first)) {
    const second = await runLaunchProbe(
      target,
      { ...settings, timeoutMs: Math.min(settings.timeoutMs, Math.max(CONFIRMATION_MIN_MS, left() - CONFIRMATION_MIN_MS)) },
      opts,
    );
    run = { ...second, at: first.at, attempts: [attemptOf(first), attemptOf(second)] };
  }
  const extras: ProbeAttempt[] = [];
  for (let last = run; extras.length < extra && relaunchable(last) && left() >= CONFIRMATION_MIN_MS;) {
    last = await runLaunchProbe(target, { ...settings, timeoutMs: Math.min(settings.timeoutMs, left()) }, opts);
    extras.push({ ...attemptOf(last), extra: true });
  }
  return extras.length ? { ...run, attempts: [...(run.attempts ?? []), ...extras] } : run;
}

/** Runs `fn` over `items` with at most `limit` running at once, keeping the order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface LaunchProbeSourceOptions extends ProbeOptions {
  /** Hub admin API tokens by binderUrl (the entry point reads them from each target's hubApiTokenEnv). */
  hubApiTokens?: Record<string, string>;
}

function resultBase(target: ProbeTarget, at: number): Pick<ProbeResult, 'binderUrl' | 'hubName' | 'repo' | 'at'> {
  return { binderUrl: target.binderUrl, ...(target.name && { hubName: target.name }), repo: target.repo, at };
}

/** Every configured target × repo, `cfg.concurrency` at a time. */
export function launchProbeSource(cfg: LaunchProbeConfig, opts: LaunchProbeSourceOptions = {}): ObservationSource<'launchProbe'> {
  const settings = probeSettings(cfg);
  // Configured credentials: masked for the life of the instance, not only during a run.
  for (const token of Object.values(opts.hubApiTokens ?? {})) registerSecret(token, 'instance');
  return {
    async observe(req) {
      const targets: ProbeTarget[] = cfg.targets.flatMap((t) =>
        t.repos.map((repo) => ({
          binderUrl: t.binderUrl,
          name: t.name,
          repo,
          hubUrl: t.hubUrl,
          hubApiToken: opts.hubApiTokens?.[t.binderUrl],
        })),
      );
      return {
        results: await mapLimit(targets, cfg.concurrency, (t) =>
          runConfirmedProbe(t, settings, opts, req.extraLaunches?.[hubOf(t.binderUrl)] ?? 0),
        ),
      };
    },
    async recordTelemetry({ results }, telemetry) {
      for (const r of results) await telemetry.recordProbe(r);
    },
  };
}
