// Every bound on what an upstream may make binderwatch hold or wait for, in one place.
// Functions run in 256–512 MiB; each byte bound below is far under that even with every
// check's reads in flight at once. Past a bound the read fails with a named error
// ("answer larger than …"), which the check reports as `unknown`, never as healthy.
// docs/limits.md lists them for operators.

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** One server-sent event, its lines together, so also a line without end: BinderHub sends one JSON line of a few hundred bytes (a build log line, a few KiB). */
  eventBytes: 256 * KiB,
  /** A whole /build event stream: a long build streams a few MiB of log lines. */
  eventStreamBytes: 16 * MiB,
  /** Error pages, and the notebook server's api answer (BinderHub, notebook server). */
  smallBodyBytes: 64 * KiB,
  /** BinderHub /health: a list of a handful of checks. */
  healthBodyBytes: 256 * KiB,
  /** The hub API user model: one user's servers. */
  hubApiBodyBytes: 256 * KiB,
  /** One Prometheus answer: binderwatch's queries are sums, a few series of at most 11,000 points (~0.3 MiB of JSON each). */
  prometheusBodyBytes: 8 * MiB,
  /**
   * Samples in one Prometheus answer, counted before the answer is parsed (a sample parses
   * to ~200 bytes, so 8 MiB of minimal samples is ~650k of them, +130 MiB): binderwatch's
   * sums are a few series of at most 11,000 points.
   */
  prometheusAnswerSamples: 50_000,
  /** Samples in one range query, over all its 11,000-point chunks (a 600 h range is 4 chunks). */
  prometheusQuerySamples: 100_000,
  /**
   * Samples one run of a check reads over all its range queries (a trafficVsPods cold start
   * makes six: ~2 series of a few thousand minutes each).
   */
  prometheusRunSamples: 200_000,
  /** One state object read from GCS: the largest binderwatch writes (a day of minutes, chart history) is ~100 KiB. */
  stateObjectBytes: 16 * MiB,
  /** One Google API answer (GA4 realtime report of 30 rows, a GKE cluster or node pool). */
  googleApiBodyBytes: 8 * MiB,
  /** Items per Kubernetes list page: small pages keep one page's full objects (~10–20 KiB a pod) a few MiB. */
  kubernetesPageItems: 100,
  /** One Kubernetes list page: 100 pods of up to ~20 KiB, four times over. */
  kubernetesPageBytes: 8 * MiB,
  /** Kubernetes list pages per list: 500 × 100 = 50,000 pods, more than any BinderHub cluster runs. */
  kubernetesPages: 500,
  /** Items per Kubernetes list, whatever the pages (a page of more items than asked is refused on its own). */
  kubernetesListItems: 50_000,
  /** One deadline for a whole Kubernetes list, every page included (a page of 100 takes ~50 ms; the functions run up to 120 s). */
  kubernetesListMs: 60_000,
  /** One Slack answer (a webhook's "ok"; a Web API call echoes the message, 50 blocks of at most 3,000 characters). */
  slackAnswerBytes: 1 * MiB,
  /**
   * Running user pods a traffic source may report: more than any hub runs (mybinder.org peaks
   * near 1,000). A sample beyond it, negative or not finite, is a gap, not a count.
   */
  maxPods: 1e6,
  /** Launches (or GA's arrivals) per minute a demand source may report; beyond it, a gap as above. */
  maxDemandPerMin: 1e6,
  /** Redirects one request may follow (same origin, never https→http). */
  redirects: 5,
  /** Hub text (event messages, error bodies) in alert summaries, log lines and CLI lines. */
  hubTextChars: 300,
  /** An upstream error in a "cannot see" alert summary or a log line (ours wrap hub text, so a little longer). */
  errorTextChars: 500,
  /** Hub messages kept per probe. */
  hubMessages: 10,
  /** How far the hub's clock may run behind ours when it says a server started within the probe (NTP keeps both within a second). */
  hubClockSkewMs: 5_000,
  /** Share of a probe's timeout kept for stopping the server: launch and contact end that much early, so a hung launch still gets stopped in time. */
  stopReserveShare: 0.25,
  /** …at most this (api/shutdown and the hub API's confirmation take seconds, not the quarter of a long timeout). */
  maxStopReserveMs: 120_000,
} as const;

/** `1.5 MiB`, `64 KiB`: how limits read in messages. */
export function formatBytes(n: number): string {
  if (n >= MiB) return `${Math.round((n / MiB) * 10) / 10} MiB`;
  if (n >= KiB) return `${Math.round((n / KiB) * 10) / 10} KiB`;
  return `${n} bytes`;
}
