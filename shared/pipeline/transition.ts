// Stage 3, transition: each finding moves its alert through the lifecycle (pure, in
// alerting/lifecycle.ts), persisted with compare-and-swap; a notification it creates is
// recorded as owed, claimed by this run. Alerts that reported before and are absent now
// are ok, unless this run was blind.
import type { AlertRule, Config } from '../config/schema.ts';
import type { CheckName, Finding } from '../model.ts';
import { CLAIM_TTL_MS } from '../alerting/deliver.ts';
import { asAlertState, initialAlertState, nextAlertState } from '../alerting/lifecycle.ts';
import type { AlertNotification, PageRef } from '../alerting/notifier.ts';
import type { AlertChart } from '../alerting/chart.ts';
import { findingKeys, stateKeys } from '../state/keys.ts';
import { updateWithRetry, type StateStore } from '../state/store.ts';
import { openPage, pageOf, recordPage } from './page-group.ts';
import type { Run } from './run.ts';

export interface Transitioned {
  /** Notifications this run created (whatever their delivery). */
  notifications: AlertNotification[];
  /** Every alert of the check, reported this run or before: what delivery looks at. */
  alertKeys: string[];
}

export async function transition(run: Run, findings: Finding[], charts: Map<string, AlertChart>): Promise<Transitioned> {
  const {
    check,
    deps: { store },
  } = run;
  const notifications: AlertNotification[] = [];
  // Listed once: the keys that reported before feed both the "absent means ok" pass and delivery.
  const known = await store.list(stateKeys.alertsOf(check));
  const touched = new Set<string>();
  // One hub's pages within minutes are one root cause: later ones join the first.
  const scope = run.deps.member ?? 'hub';
  let page = await openPage(store, scope, run.now);
  const apply = async (f: Finding) => {
    const key = stateKeys.alert(check, f.key);
    touched.add(key);
    const dependencyFiring = f.dependsOn?.length ? await anyFiring(store, f.dependsOn) : false;
    const made = await applyFinding(run, key, f, dependencyFiring, charts.get(f.key), page);
    for (const started of made.map(pageOf).filter((p) => p !== undefined)) {
      page = started;
      await recordPage(store, scope, started);
    }
    notifications.push(...made);
  };
  for (const f of findings) await apply(f);

  // Keys that reported before and are absent now are ok — unless this run was blind.
  if (!findings.some((f) => f.status === 'unknown')) {
    for (const key of known) {
      if (touched.has(key)) continue;
      const st = asAlertState((await store.get<unknown>(key))?.value);
      if (st && st.phase === 'ok' && st.owed.length === 0) continue;
      // An unreadable state (st undefined) is rewritten as a fresh one: nothing is known to have fired, so nothing resolves.
      const findingKey = st?.key ?? key.slice(stateKeys.alert(check, '').length);
      const last = st?.last;
      await apply({
        check,
        key: findingKey,
        status: 'ok',
        severity: last?.severity ?? 'warning',
        title: last?.title ?? findingKey,
        // The detector stopped reporting it: the condition it described is gone (a sick node's pods recovered or the node left).
        summary: `${check} no longer finds it: ${last?.title ?? findingKey} is gone`,
        runbook: [],
      });
    }
  }
  return { notifications, alertKeys: [...new Set([...known, ...touched])] };
}

export function ruleFor(config: Config, check: CheckName): AlertRule {
  return { ...config.alerting.defaults, ...(config.checks[check].alert ?? {}) } as AlertRule;
}

/** A notification channel's own health alert is the finding `channel:<name>`. */
const CHANNEL_KEY_PREFIX = findingKeys.channel('');
export const channelFindingKey = findingKeys.channel;

/** Channels a notification goes to: its severity's routes, minus a channel reporting on itself. */
export function routeChannels(config: Config, n: AlertNotification, configured: Set<string>): string[] {
  if (n.key.startsWith(CHANNEL_KEY_PREFIX)) {
    const broken = n.key.slice(CHANNEL_KEY_PREFIX.length);
    return [...configured].filter((c) => c !== broken);
  }
  const channels = config.alerting.routes.filter((r) => r.severity === n.severity).flatMap((r) => r.channels);
  return [...new Set(channels)].filter((c) => configured.has(c));
}

/** `dependsOn` names alerts as `<check>/<key>`, e.g. `binderHealth/health:mybinder.org`. */
async function anyFiring(store: StateStore, dependsOn: string[]): Promise<boolean> {
  for (const dep of dependsOn)
    if (asAlertState((await store.get<unknown>(stateKeys.alertNamed(dep)))?.value)?.phase === 'firing') return true;
  return false;
}

type Link = NonNullable<Finding['links']>[number];

/** The finding's own links, then `alerting.links` (dashboard, hub), each URL once. */
export function withConfigLinks(f: Finding, config: Config): Finding {
  const { dashboard, hub } = config.alerting.links;
  const extra: Link[] = [...(dashboard ? [{ title: 'Dashboard', url: dashboard }] : []), ...(hub ? [{ title: 'Hub', url: hub }] : [])];
  if (!extra.length) return f;
  const own = f.links ?? [];
  return { ...f, links: [...own, ...extra.filter((l) => !own.some((o) => o.url === l.url))] };
}

/** Runs the lifecycle for one finding with compare-and-swap; owed notifications are claimed by this run. */
export async function applyFinding(
  { deps, now, runId }: Run,
  storeKey: string,
  f: Finding,
  dependencyFiring: boolean,
  chart?: AlertChart,
  page?: PageRef,
): Promise<AlertNotification[]> {
  const configured = new Set(deps.notifiers.map((n) => n.name));
  const rule = ruleFor(deps.config, f.check);
  return (
    (await updateWithRetry<unknown, AlertNotification[]>(deps.store, storeKey, (current) => {
      const stored = asAlertState(current);
      if (current !== undefined && !stored)
        deps.logger.log('ERROR', 'state object is not an alert state: starting it afresh', { key: storeKey });
      const prev = stored ?? initialAlertState(f.key, f.check);
      const t = nextAlertState(prev, withConfigLinks(f, deps.config), {
        rule,
        now,
        silences: deps.config.alerting.silences,
        dependencyFiring,
        openPage: page,
      });
      for (const n of t.notifications) {
        const member = deps.member ?? f.member;
        if (member) n.member = member;
        if (chart && n.state !== 'resolved') n.chart = chart;
        t.state.owed.push({
          notification: n,
          channels: routeChannels(deps.config, n, configured),
          claimedBy: runId,
          claimedUntil: now + CLAIM_TTL_MS,
        });
      }
      return { value: t.state, result: t.notifications };
    })) ?? []
  );
}
