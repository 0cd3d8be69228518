// Every tuning number of the traffic-vs-pods check, each with why. The numbers a
// deployment may want to change (sigmas, minShortfall, minPods, baseline, window,
// session bounds) are config; these are the ones that follow from the maths or
// from how the sources behave.
import { HOUR_MS, MINUTE_MS } from '../time.ts';

export const TUNING = {
  /** Prediction horizons, minutes: short ones catch launches stopping, long ones a slow slide; 60 ≈ two typical sessions. */
  horizonsMin: [5, 10, 15, 20, 30, 45, 60],
  /** W grid points between the session bounds: neighbours 14 % apart over 5 min…3 h (derivation in traffic-model.ts). */
  sessionGridSize: 28,
  /** Variance per expected launch: GA counts a sample of the people who arrive, so the launches behind what it shows vary about as a Poisson count does. */
  arrivalNoise: 1,
  /** Demand filled in for more than a fifth of a stretch is too much guesswork to fit or judge on. */
  minDemandCoverage: 0.8,
  /** Pods may miss more samples than demand: they are levels, a gap between two of them is easy to bridge. */
  minPodsCoverage: 0.6,
  /** History is fitted in segments of this many minutes, so an incident hour is one outvoted segment, not the whole fit. */
  segmentMin: 60,
  /** A segment shorter than this tells little about a session of up to hours. */
  minSegmentMin: 30,
  /** Usable minutes a fit needs: two sessions' worth at the usual 25–45 min. */
  minFitMin: 60,
  /** Share of segments, best-fitting first, that pick W and calibrate the error: a quarter may be faulty hours. */
  trustedSegmentShare: 0.75,
  /** A fit whose loss is within this factor of the best explains the history as well (residuals of an integrated model are strongly correlated, so few are independent). */
  fitTolerance: 1.25,
  /** Calibration starts a prediction every minute: every phase of the culler's sawtooth (its period is 2–10 min; z2jh's cull.every is 10) counts as often as it occurs. */
  calibrateEveryMin: 1,
  /** Fewer predictions than this at a horizon is no calibration: scale a shorter horizon's error instead. */
  minCalibrationStarts: 4,
  /** A fit over hours changes little in minutes: refit at most this often. */
  refitEveryMs: 5 * MINUTE_MS,
  /** Pods must be within this many σ of the model at every horizon… */
  recoverySigmas: 2,
  /** …(after a recovery, predictions starting less than this before the evidence began are not judged)… */
  recoveryHorizonMin: 20,
  /** In band is evidence only when the launches expected over the recovery horizon exceed this many σ: then half of them failing would show. */
  informativeSigmas: 8,
  /** …or the pods grew by this share of the launches expected over it (departures not even counted): launches work at ≥ 70 % of normal… */
  recoveryGrowthShare: 0.7,
  /** …for this long before an incident is over: one good minute is noise, ten in a row is launches working. */
  recoveryHoldMs: 10 * MINUTE_MS,
  /** Running pods exactly unchanged this long while launches are expected is a ceiling, never chance: a minute-level count of arrivals and departures stays put about one minute in three. */
  pinnedMin: 15,
  /** Below this many pods a shortfall is a handful of sessions, never an incident. */
  minShortfallPods: 5,
  /** Demand falling: the last 10 minutes hold this share less than the 20 before them… */
  demandFallShare: 0.15,
  /** …and by more than this many σ of Poisson noise in the two means. */
  demandFallSigmas: 3,
  /** A steep drop: demand in the last 10 minutes below this share of the busiest 10 minutes of the lookback… */
  steepDropShare: 0.5,
  /**
   * …the two hours over which pods still drain what came before: session-length
   * uncertainty is large there, stay quiet. One hour left 8 of the scorecard's 22
   * false levelling-off alerts, after it; a launch fault in that time is the probe's.
   */
  steepDropLookbackMin: 120,
  /** Horizons from this long on are judged against the older reference too: a slow slide shows over a long horizon, a short one starts from the pods as they are. */
  referenceMinHorizonMin: 30,
  /** Once a shortfall held on this many runs in a row (the default alert rule's failuresToFire), only recovery ends it. */
  establishRuns: 2,
  /** Pods now: the mean of this many latest samples, so one scrape's jitter neither fires nor resolves. */
  observedSamples: 3,
  /** Lookback beyond baseline + longest horizon, minutes: room for the median of three pods samples at a start and a late scrape. */
  lookbackMarginMin: 10,
  /** "Recent demand", minutes: ten one-minute GA counts average out most of their Poisson noise. */
  demandRecentMin: 10,
  /** …compared with the 20 minutes before them: twice as long, so the older mean is the steadier one. */
  demandEarlierMin: 20,
  /** The busiest 10 minutes of the steep-drop lookback are sought every this many minutes (the means overlap by half). */
  busiestStepMin: 5,
  /** Pods are "flat" while within this many √level of their latest count: Poisson noise of a steady level, not a rise. */
  flatSigmas: 1,
  /** …for at least this many minutes: a shorter stretch is any count between two launches. */
  flatMinMin: 10,
  /** A step in demand per launch counts from this factor (either way): GA's share of arrivals wanders by less within a day; a second tag doubles it. */
  recountMinRatio: 1.5,
  /** …by this many σ of Poisson noise in the two means, so a busy quarter hour is no step. */
  recountSigmas: 6,
  /** The step is sought this far back: a recount shows as a shortfall within minutes, and an older step the model has met already. */
  recountMaxAgeMin: 45,
  /** …and at least this long ago: the pods need minutes after it to show they follow the old launches. */
  recountMinAgeMin: 10,
  /** Demand before the step is the mean of this many minutes: an hour of counts is steady. */
  recountBeforeMin: 60,
  /** The pods since the step tell a recount from failing launches when the launches expected since exceed this many σ: launches failing at 60 % or worse would then show beyond recoverySigmas. */
  recountInformativeSigmas: 5,
  /** A model this old serves as the reference against slow slides a refit would follow. */
  referenceAgeMs: 2 * HOUR_MS,
  /** Snapshot a clean model this often… */
  snapshotEveryMs: 30 * MINUTE_MS,
  /** …and keep them this long. */
  snapshotsKeptMs: 4 * HOUR_MS,
  /** Windows the check's own alert covered are kept out of every fit this long: a week-ago fit reaches back that far. */
  excludedKeptMs: 8 * 24 * HOUR_MS,
  /**
   * Clean history of this hub a model needs before its shortfalls page: a quarter day
   * shows the sessions and the culler's tail at more than one level of demand, and the
   * model's error at every horizon measured on them. Until then a shortfall only warns.
   */
  calibrationMs: 6 * HOUR_MS,
  /** Without a remembered model, learn from the last day… */
  coldHistoryMs: 24 * HOUR_MS,
  /** …and from the same hours a week ago (weekly rhythm; survives a bad day). */
  weekMs: 7 * 24 * HOUR_MS,
} as const;
