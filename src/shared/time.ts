/** A day in milliseconds, as `ts` and every duration here count time. */
export const DAY_MS = 24 * 60 * 60 * 1000;
