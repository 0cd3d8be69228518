// Time units in milliseconds, the one home for them: every time in binderwatch is epoch ms
// and every duration a number of milliseconds.
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
