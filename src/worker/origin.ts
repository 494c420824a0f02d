/**
 * Whether a WebSocket upgrade may proceed, judged by its Origin header
 * (browsers always send one; the check stops cross-site WebSocket hijacking).
 * No Origin (a CLI client) is allowed; the request's own origin always is;
 * otherwise the origin must equal an allow-list entry exactly.
 */
export function isOriginAllowed(origin: string | null, requestUrl: string, allowList: readonly string[]): boolean {
  if (origin === null) return true;
  if (origin === new URL(requestUrl).origin) return true;
  return allowList.includes(origin);
}

/** Parses the comma-separated ALLOWED_ORIGINS var into normalised origins. */
export function parseAllowList(raw: string | undefined): string[] {
  if (!raw) return [];
  const origins: string[] = [];
  for (const entry of raw.split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    try {
      origins.push(new URL(trimmed).origin);
    } catch {
      // A malformed entry allows nothing rather than failing every request.
    }
  }
  return origins;
}
