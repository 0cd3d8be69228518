// Every key binderwatch writes to its state store, built in one place, so a reader can
// see the whole store's layout here and no two writers can drift apart on a prefix.
import type { CheckName } from '../model.ts';

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
