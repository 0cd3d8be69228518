// Every key binderwatch writes to its state store, built in one place, so a reader can
// see the whole store's layout here and no two writers can drift apart on a prefix.
import type { CheckName } from '../model.ts';

/**
 * Finding keys (what names one alert within its check) and alert references, built here
 * only, so the detector that reports an alert and whatever refers to it (a `dependsOn`,
 * a corroboration, a route) cannot drift apart.
 */
export const findingKeys = {
  /** One repo's launches on one hub: `launch:mybinder.org:gh/binder-examples/requirements/HEAD`. */
  launch: (hub: string, repo: string) => `launch:${hub}:${repo}`,
  /** The prefix of every launch key of a hub. */
  launchesOf: (hub: string) => `launch:${hub}:`,
  /** A hub's /health. */
  health: (hub: string) => `health:${hub}`,
  /** A node pool's headroom. */
  headroom: (pool: string) => `headroom:${pool}`,
  /** The traffic check's one alert. */
  levellingOff: 'trafficVsPods:levelling-off',
  /** A check's own "cannot see its sources" finding. */
  source: (check: CheckName) => `${check}:source`,
  /** A notification channel's own health alert. */
  channel: (channel: string) => `channel:${channel}`,
};

/** An alert as `dependsOn` names it: `<check>/<finding key>` (e.g. `binderHealth/health:mybinder.org`). */
export const alertRef = (check: CheckName, findingKey: string) => `${check}/${findingKey}`;

export const stateKeys = {
  /** One alert's lifecycle state: `alert/<check>/<finding key>`. */
  alert: (check: CheckName, findingKey: string) => `alert/${check}/${findingKey}`,
  /** Prefix listing every alert of a check. */
  alertsOf: (check: CheckName) => `alert/${check}/`,
  /** An alert named as `<check>/<finding key>` (how `dependsOn` names alerts in the config). */
  alertNamed: (checkSlashKey: string) => `alert/${checkSlashKey}`,
  /** A notification channel's own health alert. */
  channel: (channel: string) => `channel/${channel}`,
  /** Prefix listing every channel-health alert. */
  channels: 'channel/',
  /** The latest critical page on a hub (or federation member), which pages soon after it join. */
  openPage: (scope: string) => `page/${scope}`,
  /** When the check last ran. */
  lastRun: (check: CheckName) => `run/${check}`,
  /** What a detector remembers between runs (e.g. the traffic model). */
  memory: (check: CheckName) => `memory/${check}`,
  /** The series behind an alert's chart. */
  chart: (check: CheckName) => `chart/${check}`,
  /** The Slack thread an alert's messages go to. */
  slackThread: (threadId: string) => `slack-thread/${threadId}`,
  /** GA4 minute-by-minute demand beyond realtime's 30 minutes. */
  ga4Demand: (propertyId: string, metric: string, filterHash: string) => `history/demand/ga4/${propertyId}/${metric}${filterHash}`,
  /** The node pool's node counts. */
  nodeCounts: (ref: { project: string; location: string; cluster: string; pool: string }) =>
    `history/nodes/${ref.project}/${ref.location}/${ref.cluster}/${ref.pool}`,
  /** When each crash-looping pod was first seen. */
  podProblems: (cluster: string) => `history/pod-problems/${cluster}`,
};
