// The HTTP handler behind every Cloud Function: Cloud Scheduler POSTs, we run one
// check through runCheck and answer with what happened. Config and clients are
// built once per instance (cold start), not per request.
import type { HttpFunction } from '@google-cloud/functions-framework';
import { parseConfigYaml, loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { ConfigError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { cleanText } from './redact.ts';
import { jsonLogger, type Logger } from './log.ts';
import type { CheckName } from './model.ts';
import { whyNotWired, type Env } from './wiring.ts';
import { buildLivePlan } from './federation/plan.ts';
import { runCheckAll, type RunPlan } from './federation/run-all.ts';

/** A function started without a config watches nothing; this says how to give it one. */
export const NO_CONFIG =
  'no config: set BINDERWATCH_CONFIG_FILE (the path of a YAML config, e.g. infra/local/binderwatch.local.yaml) or BINDERWATCH_CONFIG (the YAML itself); see README "Run it locally"';

const hasConfig = (env: Env) => Boolean(env.BINDERWATCH_CONFIG || env.BINDERWATCH_CONFIG_FILE);

/** The function's config: BINDERWATCH_CONFIG (the YAML), else the file BINDERWATCH_CONFIG_FILE names, else the defaults. */
export async function configFromEnv(env: Env): Promise<Config> {
  return env.BINDERWATCH_CONFIG
    ? parseConfigYaml(env.BINDERWATCH_CONFIG, 'BINDERWATCH_CONFIG')
    : env.BINDERWATCH_CONFIG_FILE
      ? await loadConfig(env.BINDERWATCH_CONFIG_FILE)
      : parseConfigYaml('{}', 'default config');
}

export async function depsFromEnv(check: CheckName, env: Env, logger: Logger): Promise<RunPlan> {
  return buildLivePlan(await configFromEnv(env), env, logger, [check]);
}

/** What a 500 answer may say of an error: a config error's message; of anything else, only where to look. */
export function publicError(e: unknown, what = 'the check', logLine = 'check failed to run'): string {
  if (e instanceof ConfigError) return cleanText(e.message, LIMITS.errorTextChars);
  return `${what} failed to run (${e instanceof Error ? cleanText(e.name, 40) : 'error'}); its log line "${logLine}" says why`;
}

/** POST only, as Cloud Scheduler calls the deployed ones: a GET health poll must not run a probe launch or page anyone. */
export function postOnly(req: Parameters<HttpFunction>[0], res: Parameters<HttpFunction>[1]): boolean {
  if (req.method === 'POST') return true;
  res.set('Allow', 'POST');
  res.status(405).json({ error: `${req.method} not allowed: use POST (as Cloud Scheduler does)` });
  return false;
}

export function checkHandler(check: CheckName, env: Env, logger: Logger = jsonLogger()): HttpFunction {
  let deps: Promise<RunPlan> | undefined;
  return async (req, res) => {
    if (!postOnly(req, res)) return;
    const now = Date.now();
    try {
      // A failed build (bad config, a cluster not reachable yet) is tried again on the next request, never cached.
      deps ??= depsFromEnv(check, env, logger).catch((e: unknown) => {
        deps = undefined;
        throw e;
      });
      const built = await deps;
      const result = await runCheckAll(check, built, now);
      // Still 200: Cloud Scheduler retrying would not make it watch anything; the answer and the log say what to set.
      const reason =
        result.outcome !== 'skipped' ? undefined : hasConfig(env) ? `${check}: ${whyNotWired(check, built.root.config)}` : NO_CONFIG;
      if (reason) logger.log('WARNING', 'check skipped', { check, reason });
      res.status(200).json({
        check,
        outcome: result.outcome,
        ...(reason && { reason }),
        findings: result.findings
          .filter((f) => f.status !== 'ok')
          .map((f) => ({ key: f.key, status: f.status, severity: f.severity, title: f.title, summary: f.summary })),
        notifications: result.notifications.map((n) => ({ key: n.key, state: n.state, severity: n.severity })),
        undelivered: result.delivery.failed.map((f) => ({ channel: f.channel, error: f.error.message })),
      });
    } catch (e) {
      logger.log('ERROR', 'check failed to run', { check, error: e instanceof Error ? e.message : String(e) });
      // The heartbeat still beats (outcome "error"), so a broken check is told apart from a dead one.
      await deps?.then((d) => d.root.telemetry?.recordRun(check, 'error', now)).catch(() => undefined);
      // 500 makes Cloud Scheduler record the failure (and retry, if configured). The answer names a bad config
      // field (the operator's own text, redacted and capped); any other error's text stays in the log.
      res.status(500).json({ check, error: publicError(e) });
    }
  };
}
