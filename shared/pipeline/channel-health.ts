// Stage 5, channel health: a channel this run sent to is an alert like any other,
// failing or working, sent on the other channels (transition.ts routes it there).
import type { DeliveryReport } from '../alerting/deliver.ts';
import type { Finding } from '../model.ts';
import { stateKeys } from '../state/keys.ts';
import { deliver } from './deliver.ts';
import type { Run } from './run.ts';
import { applyFinding, channelFindingKey } from './transition.ts';

/** The alert deliveries' report, with the channel-health notices' deliveries added. */
export async function channelHealth(run: Run, report: DeliveryReport): Promise<DeliveryReport> {
  const attempted = new Set([...report.delivered, ...report.failed].map((d) => d.channel));
  for (const channel of attempted) {
    const failure = report.failed.find((d) => d.channel === channel);
    await applyFinding(run, stateKeys.channel(channel), channelFinding(run, channel, failure?.error.message), false);
  }
  // Notices about a channel that failed may themselves be owed from earlier runs.
  const notices = await deliver(run, await run.deps.store.list(stateKeys.channels));
  return { delivered: [...report.delivered, ...notices.delivered], failed: [...report.failed, ...notices.failed] };
}

/** `error`: why this run's delivery on the channel failed; undefined when it worked. */
function channelFinding({ check }: Run, channel: string, error: string | undefined): Finding {
  const failing = error !== undefined;
  return {
    check,
    key: channelFindingKey(channel),
    status: failing ? 'problem' : 'ok',
    severity: 'warning',
    title: failing ? `${channel} delivery failing` : `${channel} delivery works`,
    summary: failing ? `${channel} delivery failing: ${error}` : `${channel} delivery works`,
    details: failing ? 'Alerts for this channel stay owed and are re-sent when it accepts them again.' : undefined,
    runbook: failing ? [`# check the ${channel} channel's credentials and status; binderwatch retries every run`] : [],
  };
}
