import { isRecord, readJson, readText, writeJson, writeText } from "./browser-store";

// Signed-in deployments (AUTH = "jwt"). The deployer's app sends the person
// here with `?token=...`: the token leaves the address bar at once (so it is
// not bookmarked, shared or left in history) and is kept in localStorage, so a
// new tab of this site finds it. Each token serves the rooms of its `rooms`
// claim (every room without one); its claims are read only to choose one, the
// worker verifies it. Without a token, the app's `parley_token` cookie (if
// any) is sent as is.
//
// The page also remembers that this site signs people in, so whoever comes
// back without a valid token is told to sign in rather than asked for a name.
// A fresh browser knows it only from a token, a readable `parley_token`
// cookie, or the page itself (`<html data-auth="jwt" data-sign-in-url="...">`,
// when the worker says so): asking the worker would log a failed request in
// every device-mode browser.

const TOKENS_KEY = "parley:tokens";
const SIGNED_IN_SITE_KEY = "parley:auth";
/** Where an older page kept its one token, for its tab only. */
const TAB_TOKEN_KEY = "parley:token";
const KEEP = 10;

export type SignIn = {
  /** The token for this room, sent on every upgrade; null leaves it to the app's cookie, if any. */
  token: string | null;
  /** The name the token gives, when it can be read (the room may show it with a suffix). */
  tokenName: string | null;
  /** This site signs people in, as far as the page can tell before connecting: never ask for a name. */
  required: boolean;
  /** Where to sign in, when the page is told. */
  link: string | null;
};

type Claims = { name?: unknown; rooms?: unknown; exp?: unknown };

/** What the page knows about signing in to `room` (canonical), taking a token from the link if there is one. */
export function readSignIn(room: string): SignIn {
  const fromTab = takeTabToken();
  if (fromTab !== null) keepToken(fromTab);
  const fromLink = takeTokenFromLink();
  if (fromLink !== null) keepToken(fromLink);
  const token = fromLink ?? tokenFor(room);
  const declared = document.documentElement.dataset.auth === "jwt";
  if (token !== null || declared) rememberSignIn();
  const name = token === null ? undefined : claimsOf(token)?.name;
  return {
    token,
    tokenName: typeof name === "string" ? name : null,
    required: token !== null || declared || hasTokenCookie() || readText(SIGNED_IN_SITE_KEY) === "jwt",
    link: signInLink(),
  };
}

/** The room answered a sign-in (a welcome without a name, a refused token): this site signs people in. */
export function rememberSignIn(): void {
  writeText(SIGNED_IN_SITE_KEY, "jwt");
}

/** Forgets a token the worker refused (expired, bad): it would hide a newer cookie, and never passes again. */
export function forgetToken(token: string): void {
  writeJson(
    TOKENS_KEY,
    storedTokens().filter((t) => t !== token),
  );
}

/** The room wants a name from the page: this site does not sign people in (any more). */
export function forgetSignIn(): void {
  writeText(SIGNED_IN_SITE_KEY, "");
  writeJson(TOKENS_KEY, []);
}

function takeTokenFromLink(): string | null {
  const url = new URL(location.href);
  if (!url.searchParams.has("token")) return null;
  const token = url.searchParams.get("token");
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url);
  return token || null;
}

/** A token an older page kept for its tab: kept like any other from now on. */
function takeTabToken(): string | null {
  try {
    const token = sessionStorage.getItem(TAB_TOKEN_KEY);
    sessionStorage.removeItem(TAB_TOKEN_KEY);
    return token || null;
  } catch {
    return null;
  }
}

/** Keeps a token first in line; tokens past their expiry make room for it. */
function keepToken(token: string): void {
  const now = Date.now();
  const others = storedTokens().filter((t) => t !== token && !expired(t, now));
  writeJson(TOKENS_KEY, [token, ...others].slice(0, KEEP));
}

/** The newest token for this room that has not expired, else the newest expired one (so the room says it expired). */
function tokenFor(room: string): string | null {
  const now = Date.now();
  const usable = storedTokens().filter((t) => servesRoom(t, room));
  return usable.find((t) => !expired(t, now)) ?? usable[0] ?? null;
}

function storedTokens(): string[] {
  const stored = readJson(TOKENS_KEY);
  return Array.isArray(stored) ? stored.filter((t): t is string => typeof t === "string" && t !== "") : [];
}

function servesRoom(token: string, room: string): boolean {
  const rooms = claimsOf(token)?.rooms;
  // No list means every room; a malformed one is the worker's to refuse, in words.
  if (!Array.isArray(rooms)) return true;
  return rooms.some((r) => typeof r === "string" && r.toLowerCase() === room);
}

function expired(token: string, now: number): boolean {
  const exp = claimsOf(token)?.exp;
  return typeof exp === "number" && exp * 1000 <= now;
}

/** A JWT's payload, unverified: only to choose a token, never to trust one. */
function claimsOf(token: string): Claims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const binary = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return isRecord(claims) ? claims : null;
  } catch {
    return null;
  }
}

/** An app's `parley_token` cookie, when it is not HttpOnly (then the page cannot see it). */
function hasTokenCookie(): boolean {
  return /(?:^|;\s*)parley_token=[^;]/.test(document.cookie);
}

/** The sign-in page the worker names on this page, if it is a web address. */
function signInLink(): string | null {
  const raw = document.documentElement.dataset.signInUrl;
  if (!raw) return null;
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
