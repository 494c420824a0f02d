/**
 * Device identity: a random key in the device cookie names a browser. On https
 * it is `__Host-parley_device`, which browsers accept only from this exact
 * origin over https (Secure, Path=/, no Domain), so a sibling subdomain or a
 * plain-http page cannot plant a key of their choosing; plain http (wrangler
 * dev on localhost) keeps `parley_device`. The key is a secret (whoever holds
 * it is that person), so only its SHA-256, `identityOfKey`, may reach the room,
 * storage or logs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { CookiePrefixOptions } from "hono/utils/cookie";

/** The cookie's name on plain http; on https it carries the `__Host-` prefix. */
export const DEVICE_COOKIE = "parley_device";

// 22 base64url characters carry 132 bits: the least a client-made key may have.
const DEVICE_KEY = /^[A-Za-z0-9_-]{22,64}$/;
// The spec asks for a year or more; browsers cap cookie lifetimes at 400 days.
const MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/** Whether `value` is a well-formed device key: 22 to 64 characters of base64url. */
export function isDeviceKey(value: unknown): value is string {
  return typeof value === "string" && DEVICE_KEY.test(value);
}

/**
 * The request's device key, or null when it has none or a malformed one. On
 * https only `__Host-parley_device` counts. A plain `parley_device` from before
 * is deliberately not migrated: carrying it over would take a planted one too.
 */
export function readDeviceKey(c: Context): string | null {
  const value = getCookie(c, DEVICE_COOKIE, cookiePrefix(c));
  return isDeviceKey(value) ? value : null;
}

/** A fresh key: 32 random bytes, base64url without padding (43 characters). */
export function newDeviceKey(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Middleware that gives a device key to a browser that has none (or a
 * malformed one) on HTML responses, so it may be mounted on every route:
 * API answers and upgrades pass untouched.
 */
export function issueDeviceKey(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // Pages only: an upgrade or an API answer is not asked for its cookie again.
    if (!c.res.headers.get("Content-Type")?.startsWith("text/html")) return;
    if (readDeviceKey(c) !== null) return;
    // A device link just gave this browser its key.
    if (c.res.headers.get("Set-Cookie")?.includes(`${DEVICE_COOKIE}=`)) return;
    setDeviceKey(c, newDeviceKey());
  };
}

/** Sets the device cookie to `key`: a new browser's own, or another device's through a link. */
export function setDeviceKey(c: Context, key: string): void {
  const prefix = cookiePrefix(c);
  setCookie(c, DEVICE_COOKIE, key, {
    httpOnly: true,
    sameSite: "Lax",
    path: "/",
    // Plain http (wrangler dev on localhost) would drop a Secure cookie.
    secure: prefix === "host",
    maxAge: MAX_AGE_SECONDS,
    prefix,
  });
}

/** `host` on https: Hono then names the cookie `__Host-parley_device`, Secure, Path=/, no Domain. */
function cookiePrefix(c: Context): CookiePrefixOptions | undefined {
  // A request's URL is always serialised with its scheme in lower case: no need to parse it.
  return c.req.url.startsWith("https:") ? "host" : undefined;
}

/** The identity a device key stands for: `d:` + base64url(SHA-256(key)). */
export async function identityOfKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return `d:${base64Url(new Uint8Array(digest))}`;
}

/** An identity for a socket without a key; it lasts only while that socket is open. */
export function ephemeralIdentity(): string {
  return `e:${crypto.randomUUID()}`;
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
