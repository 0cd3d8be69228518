// The mybinder.org outage of the night 2018-01-17/18, as the team lived it. Times the
// written account gives are marked `fact`; times the reconstruction had to choose are
// marked `assumed` (see the table at the top of generate.ts). The CLI prints this
// timeline beside the alerts binderwatch would have sent.

import { iso as at } from './simulate.ts';

/** A wall-clock time in US Pacific Standard Time (UTC−8, no DST in January). */
export const pst = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00-08:00`);

export const TIMES = {
  /** fact: the viral repo's traffic builds from about 18:00 PST. */
  viralTrafficBuilds: pst('2018-01-17 18:00'),
  /** fact: the team first notices (sees 12 of the autoscaler's max 15 nodes). */
  teamNotices: pst('2018-01-18 04:19'),
  /** assumed: "later 14 of 15, so they raise the max to 20" — the raise itself. */
  maxRaisedTo20: pst('2018-01-18 05:12'),
  /** assumed: the node's networking breaks (the account does not say when). */
  faultOnset: pst('2018-01-18 05:45'),
  /** fact: peak, ~600 running pods, ~300 of them from the viral repo. */
  peak: pst('2018-01-18 06:00'),
  /** fact: a second engineer joins. */
  secondEngineerJoins: pst('2018-01-18 08:20'),
  /** assumed: old pods deleted, node cordoned, launches work again. */
  fix: pst('2018-01-18 08:40'),
  /** assumed: the restarted hub's culler cleans the remaining stale pods. */
  hubRestarted: pst('2018-01-18 08:45'),
  /** assumed: the sick node is drained and deleted. */
  sickNodeDeleted: pst('2018-01-18 09:30'),
} as const;

export interface HumanEvent {
  at: string; // UTC ISO
  what: string;
  /** Whether the time is from the written account or chosen for the reconstruction. */
  timeIs: 'fact' | 'assumed';
}

export const HUMAN_TIMELINE: HumanEvent[] = [
  { at: at(TIMES.viralTrafficBuilds), timeIs: 'fact', what: 'A repo posted to Reddit /r/python goes viral; traffic starts building' },
  { at: at(TIMES.teamNotices), timeIs: 'fact', what: 'Team first notices: 12 of the autoscaler\'s max 15 nodes in use' },
  { at: at(TIMES.maxRaisedTo20), timeIs: 'assumed', what: '14 of 15 nodes in use; max raised to 20 in the web console (Grafana shows one node fewer: it skips the cordoned node)' },
  { at: at(TIMES.peak), timeIs: 'fact', what: 'Peak: ~600 running pods, ~300 of them from the viral repo; pod count levels off while GA still shows people arriving' },
  { at: at(TIMES.secondEngineerJoins), timeIs: 'fact', what: 'Second engineer joins; users report launches stuck at "waiting for server to launch"' },
  { at: at(TIMES.fix), timeIs: 'assumed', what: 'Old pods (6–9 h) deleted by hand; node gke-prod-a-ssd-pool-972e4826-2fhq (fluentd and ingress crash-looping) cordoned; hub restarted' },
  { at: at(TIMES.hubRestarted), timeIs: 'assumed', what: 'Restarted hub\'s culler cleans the stale pods; launch tests pass again' },
  { at: at(TIMES.sickNodeDeleted), timeIs: 'assumed', what: 'Sick node drained and deleted' },
];
