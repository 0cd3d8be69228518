// The console channel: one structured log line per notification. The default when no
// other channel is configured, and what the replay and the CLI show.
import type { Logger, LogSeverity } from '../../log.ts';
import type { AlertNotification, Notifier } from '../notifier.ts';
import { notificationTitle, statusLine, type FormatOptions } from './format.ts';

export interface ConsoleEntry {
  severity: LogSeverity;
  message: string;
  fields: Record<string, unknown>;
}

/** The log entry for one notification; pure, so tests compare it exactly. */
export function buildPayload(n: AlertNotification, opts: FormatOptions = {}): ConsoleEntry {
  // The chart's points are for pictures, not for the log.
  const { chart: _chart, ...notification } = n;
  return {
    severity: n.state === 'resolved' ? 'NOTICE' : n.severity === 'critical' ? 'ERROR' : 'WARNING',
    message: notificationTitle(n),
    fields: { channel: 'console', statusLine: statusLine(n, opts), notification },
  };
}

export interface ConsoleProps extends FormatOptions {
  logger: Logger;
}

export function consoleNotifier(props: ConsoleProps): Notifier {
  return {
    name: 'console',
    async send(n) {
      const { severity, message, fields } = buildPayload(n, props);
      props.logger.log(severity, message, fields);
    },
  } satisfies Notifier;
}
