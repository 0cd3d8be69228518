// The CLI's exit codes, one table for every command.

/** Exit codes one can script against, the monitoring-plugins convention (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A check found a problem, or a launch failed. */
  problem: 1,
  /** Invalid input: arguments, config, scenario or truth files. */
  invalid: 2,
  /** Unknown: binderwatch could not see (an upstream or the state store failed). */
  unknown: 3,
} as const;
