/**
 * A query parameter decoded strictly: Hono and URLSearchParams keep or replace
 * percent-encoding that is not valid UTF-8, which would let such bytes into a
 * name. Here it is an error. Absent gives `undefined`; the first one wins.
 */
export function strictQueryParam(url: string, key: string): { ok: true; value?: string } | { ok: false } {
  // A request's URL is serialised already (and carries no fragment): its query is what follows the first "?".
  const at = url.indexOf("?");
  const query = at === -1 ? "" : (url.slice(at + 1).split("#", 1)[0] ?? "");
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    try {
      if (decode(rawKey) === key) return { ok: true, value: decode(rawValue) };
    } catch {
      return { ok: false };
    }
  }
  return { ok: true };
}

const decode = (raw: string) => decodeURIComponent(raw.replaceAll("+", " "));
