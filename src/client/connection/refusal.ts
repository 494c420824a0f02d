import type { ErrorCode } from "../../shared";

// Why the page cannot be in the room, and what it does about it. The room
// says so in an `error` frame before closing; when a socket closes before its
// `welcome` without one, the page asks the same URL with a plain GET, which
// runs every check an upgrade would and answers the first failure as JSON
// (browsers cannot read an upgrade's HTTP status).

/** A refusal: the room's or the worker's code and its words. */
export type Refusal = { code: string; message: string; retryAfterMs?: number };

/** How the page answers a refusal: try again later, ask for another name, or stop. */
export type RefusalKind = "later" | "name" | "stop";

const LATER = new Set<string>(["room_full", "too_many_connections", "too_many_requests"]);
const NAME = new Set<string>(["name_taken", "bad_name"]);
const STOP = new Set<string>(["banned", "locked", "kicked", "unauthorized", "forbidden_room", "forbidden_origin"]);

/** Null for a code that is no refusal to join (the page retries as after any drop). */
export function refusalKind(code: string): RefusalKind | null {
  if (LATER.has(code)) return "later";
  if (NAME.has(code)) return "name";
  if (STOP.has(code)) return "stop";
  return null;
}

/** Refusals a room sends as an `error` frame without an id, just before it closes the socket. */
export const isJoinRefusal = (code: ErrorCode): boolean => refusalKind(code) !== null;

/** The part of a `fetch` response `askWhy` reads. */
export type WhyResponse = { status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> };
/** The browser's `fetch`, or a fake in tests. */
export type Fetch = (url: URL, init: { cache: "no-store"; credentials: "same-origin" }) => Promise<WhyResponse>;

/**
 * Asks the socket URL with a plain GET why an upgrade would be refused.
 * "passing" when it would be accepted now (426) or the answer says nothing
 * usable; "unreachable" when the server did not answer at all.
 */
export async function askWhy(socketUrl: URL, fetch: Fetch): Promise<Refusal | "passing" | "unreachable"> {
  const url = new URL(socketUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  let response: WhyResponse;
  try {
    response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
  } catch {
    return "unreachable";
  }
  if (response.status === 426) return "passing";
  const body: unknown = await response.json().catch(() => null);
  const error = typeof body === "object" && body !== null && "error" in body ? body.error : null;
  if (typeof error !== "object" || error === null) return "passing";
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  const message = "message" in error && typeof error.message === "string" ? error.message : "";
  if (code === null || refusalKind(code) === null) return "passing";
  const retryAfter = Number(response.headers.get("Retry-After"));
  const refusal: Refusal = { code, message };
  if (Number.isFinite(retryAfter) && retryAfter > 0) refusal.retryAfterMs = retryAfter * 1000;
  return refusal;
}
