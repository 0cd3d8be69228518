// Notifications the notifier tests share: one incident through its states, and a blind check.
import { expect } from 'vitest';
import type { AlertNotification } from '../../shared/alerting/notifier.ts';
import { NotifyError } from '../../shared/errors.ts';

/** Awaits a send that must fail, and returns its NotifyError. */
export async function sendError(p: Promise<void>): Promise<NotifyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NotifyError);
  return e as NotifyError;
}

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
  title: 'Launch of gh/binder-examples/requirements/HEAD fails on mybinder.org (build)',
  summary: 'Phase build: the build failed, after 10m12s',
  details: '3 of the last 3 launches failed: build timed out after 600s.',
  evidence: { waitingSec: 1.2, buildingSec: 611.3, failedLaunches: 3, 'median launch s': 612.456 },
  runbook: ['kubectl -n prod get pods -l component=binderhub', 'kubectl -n prod logs deploy/binder --since=30m | grep -i error'],
  links: [
    { title: 'Hub', url: 'https://mybinder.org' },
    { title: 'Dashboard', url: 'https://grafana.mybinder.org/d/launch?var-a=1&var-b=2' },
  ],
  firingSince: since,
};

/** 1h5m after it started. */
export const repeat: AlertNotification = {
  ...firing,
  id: `${key}#repeat@2026-11-24T11:07:00.000Z`,
  at: '2026-11-24T11:07:00.000Z',
  state: 'repeat',
};

/** After 2h13m. */
export const resolved: AlertNotification = {
  ...firing,
  // A resolve carries the finding that resolved it: its title and numbers now, the incident it ends, no commands.
  title: 'gh/binder-examples/requirements/HEAD launches on mybinder.org',
  summary: 'Resolved after 2h13m: 6 of 6 probe launches ok in the last hour',
  details: undefined,
  evidence: { failedLaunches: 0 },
  previousEvidence: firing.evidence,
  runbook: [],
  incident: { title: firing.title!, since },
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
  title: 'Cannot read mybinder.org /health',
  summary: 'mybinder.org /health unreachable (no data since 2026-11-24T10:02:00.000Z)',
  evidence: { consecutiveUnknown: 3 },
  runbook: ['curl -sS https://mybinder.org/health'],
  firingSince: since,
};

/** One firing alert of each other check, as the 2018 replay and the detectors write them. */
const links = [
  { title: 'Dashboard', url: 'https://grafana.mybinder.org' },
  { title: 'Hub', url: 'https://mybinder.org' },
];

export const headroom: AlertNotification = {
  id: 'headroom:prod-a/ssd-pool@2018-01-18T13:05:00.000Z#2',
  at: '2018-01-18T13:10:00.000Z',
  check: 'nodeHeadroom',
  key: 'headroom:prod-a/ssd-pool',
  state: 'firing',
  status: 'problem',
  severity: 'critical',
  title: 'Pool prod-a/ssd-pool at 14 of 15 nodes',
  summary:
    '14 of 15 nodes in use in pool prod-a/ssd-pool (93 %), 1 cordoned (gke-prod-a-ssd-pool-972e4826-2fhq): dashboards that skip cordoned nodes show 13; max reached in ~1h20m at the current rate',
  evidence: { nodes: 14, max: 15, usedPct: 93, cordoned: 1, pendingPods: 0, timeToMaxMin: 80 },
  runbook: [
    'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415',
    'kubectl get nodes -l cloud.google.com/gke-nodepool=ssd-pool -o wide   # SchedulingDisabled = cordoned, still counted',
    'kubectl get pods --all-namespaces --field-selector=status.phase=Pending',
    'gcloud container clusters update prod-a --location us-central1 --project binderhub-288415 --node-pool ssd-pool --enable-autoscaling --max-nodes 7   # per zone: now 5 × 3 zones = 15',
  ],
  links,
  firingSince: '2018-01-18T13:05:00.000Z',
};

const SICK = 'gke-prod-a-ssd-pool-972e4826-2fhq';
export const sickNode: AlertNotification = {
  id: `node:${SICK}@2018-01-18T13:45:00.000Z#1`,
  at: '2018-01-18T13:50:00.000Z',
  check: 'clusterHealth',
  key: `node:${SICK}`,
  state: 'firing',
  status: 'problem',
  severity: 'critical',
  title: `Sick node ${SICK}`,
  summary:
    '3 pods crash-looping from 3 owners; a DaemonSet pod (fluentd-gcp-v2.0.9-68p79) failing means the node itself is broken: launches scheduled there may fail',
  evidence: {
    crashLoopingPods: 3,
    owners:
      'DaemonSet/fluentd-gcp-v2.0.9 (kube-system), Deployment/nginx-ingress-controller (prod), Deployment/nginx-ingress-default-backend (prod)',
    nodeReady: 'yes',
  },
  runbook: [
    'gcloud container clusters get-credentials prod-a --location us-central1 --project binderhub-288415',
    `kubectl get pods --all-namespaces -o wide --field-selector spec.nodeName=${SICK}`,
    `kubectl cordon ${SICK}   # stop new launches landing there`,
  ],
  links,
  firingSince: '2018-01-18T13:45:00.000Z',
};

/** The sick node four hours later. */
export const sickNodeResolved: AlertNotification = {
  ...sickNode,
  id: `node:${SICK}@2018-01-18T13:45:00.000Z#3`,
  at: '2018-01-18T17:45:00.000Z',
  state: 'resolved',
  summary: `Resolved after 4h: clusterHealth no longer finds it: Sick node ${SICK} is gone`,
  evidence: undefined,
  runbook: [],
  incident: { title: `Sick node ${SICK}`, since: '2018-01-18T13:45:00.000Z' },
  durationMs: 4 * 3_600_000,
};

export const levellingOff: AlertNotification = {
  id: 'trafficVsPods:levelling-off@2018-01-18T13:53:00.000Z#1',
  at: '2018-01-18T13:54:00.000Z',
  check: 'trafficVsPods',
  key: 'trafficVsPods:levelling-off',
  state: 'firing',
  status: 'problem',
  severity: 'critical',
  title: 'Running pods levelling off: 609 of ~651 expected',
  summary:
    'Running pods are levelling off while people keep arriving: demand ~7.2/min; expected ~651 running pods, observed 609, flat since 2018-01-18T13:00:00.000Z; implied launch success ≈ 38 % over the last 10 min',
  details:
    'Model dp/dt = s·a − p/W fitted on the baseline: s=0.941, W=138 min (the most cautious of 3 that fit). Shortfall 42 pods = 4.5σ over 10 min.',
  evidence: {
    demandPerMin: 7.2,
    expectedPods: 651,
    observedPods: 609,
    shortfallPods: 42,
    sigmas: 4.5,
    impliedLaunchSuccessPct: 38,
    horizonMin: 10,
  },
  runbook: ['kubectl get pods --all-namespaces -o wide | grep -v Running   # pods not running, and on which node'],
  links,
  firingSince: '2018-01-18T13:53:00.000Z',
};

export const quota: AlertNotification = {
  id: 'health:mybinder.org@2018-01-18T14:00:00.000Z#1',
  at: '2018-01-18T14:04:00.000Z',
  check: 'binderHealth',
  key: 'health:mybinder.org',
  state: 'firing',
  status: 'problem',
  severity: 'warning',
  title: 'mybinder.org pod quota at 190 of 200',
  summary: 'mybinder.org pod quota nearly full: 190 of 200',
  details: 'Launch-probe alerts of this hub are held back while this alert fires.',
  evidence: { 'Pod quota used': '190 of 200', 'Docker registry': 'ok', JupyterHub: 'ok' },
  runbook: ['curl -s https://mybinder.org/health | python3 -m json.tool'],
  links: [{ title: 'mybinder.org /health', url: 'https://mybinder.org/health' }, links[0]],
  firingSince: '2018-01-18T14:00:00.000Z',
};
