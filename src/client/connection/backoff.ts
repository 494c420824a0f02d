// Reconnect delays. Full jitter (a random delay between 0 and the ceiling)
// spreads a whole room's reconnects after a restart or deploy instead of
// bringing everyone back in the same instant.

const BASE_MS = 500;
const CEILING_MS = 10_000;
// Refused (room full, too many connections from this network): space will not free up at once.
const REFUSED_MIN_MS = 5_000;
const REFUSED_MAX_MS = 30_000;

/**
 * How long to wait before reconnect attempt number `attempt` (1 for the first
 * retry after a drop, so 0..1 s; then 0..2 s, 0..4 s, ... up to 0..10 s).
 */
export function reconnectDelay(attempt: number, refused: boolean, random: () => number = Math.random): number {
  if (refused) return REFUSED_MIN_MS + random() * (REFUSED_MAX_MS - REFUSED_MIN_MS);
  const ceiling = Math.min(CEILING_MS, BASE_MS * 2 ** Math.min(Math.max(attempt, 1), 16));
  return random() * ceiling;
}
