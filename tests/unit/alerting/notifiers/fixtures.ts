// Notifications the notifier tests share: one incident through its states, and a blind check.
import type { AlertNotification } from '../../../../shared/alerting/notifier.ts';

const key = 'launch:mybinder.org:gh/binder-examples/requirements/HEAD';
const since = '2026-11-24T10:02:00.000Z';

export const firing: AlertNotification = {
  id: `${key}#firing@${since}`,
  at: since,
  check: 'launchProbe',
  key,
  state: 'firing',
  status: 'problem',
  severity: 'critical',
  summary: 'Launches of binder-examples/requirements fail on mybinder.org',
  details: '3 of the last 3 launches failed: build timed out after 600s.',
  evidence: { failedLaunches: 3, attempts: 3, 'median launch s': 612.456 },
  runbook: ['kubectl -n prod get pods -l component=binderhub', 'kubectl -n prod logs deploy/binder --since=30m | grep -i error'],
  links: [
    { title: 'Hub', url: 'https://mybinder.org' },
    { title: 'Dashboard', url: 'https://grafana.mybinder.org/d/launch?var-a=1&var-b=2' },
  ],
  firingSince: since,
};

/** 1h5m after it started. */
export const repeat: AlertNotification = { ...firing, id: `${key}#repeat@2026-11-24T11:07:00.000Z`, at: '2026-11-24T11:07:00.000Z', state: 'repeat' };

/** After 2h13m. */
export const resolved: AlertNotification = {
  ...firing,
  id: `${key}#resolved@2026-11-24T12:15:00.000Z`,
  at: '2026-11-24T12:15:00.000Z',
  state: 'resolved',
  durationMs: (2 * 60 + 13) * 60_000,
};

/** The check cannot see the hub: status unknown. */
export const blind: AlertNotification = {
  id: `health:mybinder.org#firing@${since}`,
  at: since,
  check: 'binderHealth',
  key: 'health:mybinder.org',
  state: 'firing',
  status: 'unknown',
  severity: 'warning',
  summary: 'mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)',
  evidence: { consecutiveUnknown: 3 },
  runbook: ['curl -sS https://mybinder.org/health'],
  firingSince: since,
};
