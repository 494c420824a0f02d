/**
 * Device links (SPEC "One person, several devices"): `POST /api/device/link`
 * makes a single-use code for this browser's device key; `GET /link/<code>`
 * in another browser gives it that key (so the same names, ownership and
 * bans), then lands on the landing page saying so. Creating and opening count
 * together against LINK_LIMITER per address.
 */
import { Hono } from "hono";
import { addressKey } from "./address";
import { readDeviceKey, setDeviceKey } from "./device-key";
import { LINK_TTL_MS } from "./device-link";
import { jsonError } from "./http-error";
import { authMode } from "./jwt-auth";

// 16 characters of a 31-symbol alphabet (no i, l, o, 0, 1, which read alike): over 79 bits.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const CODE = /^[a-z0-9]{16}$/;

export const linkRoutes = new Hono<{ Bindings: Env }>();

/** A fresh code: 16 letters and digits drawn without bias (over 79 bits). */
export function newLinkCode(): string {
  let code = "";
  while (code.length < 16) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      // 256 is 8 x 32: byte % 32 is uniform; the one value past the alphabet is drawn again.
      if (code.length < 16) code += ALPHABET[byte % 32] ?? "";
    }
  }
  return code;
}

async function withinLimit(env: Env, ip: string | undefined): Promise<boolean> {
  const { success } = await env.LINK_LIMITER.limit({ key: await addressKey(ip ?? "unknown") });
  return success;
}

linkRoutes.post("/api/device/link", async (c) => {
  if (authMode(c.env) === "jwt") {
    return jsonError(c, 404, "not_found", "on this deployment people are who they sign in as: sign in on each device");
  }
  if (c.req.header("Origin") !== new URL(c.req.url).origin) {
    return jsonError(c, 403, "forbidden_origin", "device links are made only from this site's own pages");
  }
  const key = readDeviceKey(c);
  if (key === null) return jsonError(c, 401, "unauthorized", "this browser has no device key yet: open a room first");
  if (!(await withinLimit(c.env, c.req.header("CF-Connecting-IP")))) {
    c.header("Retry-After", "60");
    return jsonError(c, 429, "too_many_requests", "too many device links from your address; try again in a minute");
  }
  const expiresAt = Date.now() + LINK_TTL_MS;
  // 80 random bits never collide in practice; a collision is still refused by the link itself.
  for (let attempt = 0; attempt < 3; attempt++) {
    const code = newLinkCode();
    if (await c.env.DEVICE_LINKS.getByName(code).create(key, expiresAt)) {
      return c.json({ code, url: new URL(`/link/${code}`, c.req.url).toString(), expiresAt });
    }
  }
  return jsonError(c, 500, "internal", "no device link could be made; try again");
});

const FAILED = {
  used: {
    status: 410,
    title: "This link was used already",
    words: "Each device link works once. Make a new one on your other device with “Use on another device”.",
  },
  expired: {
    status: 410,
    title: "This link has expired",
    words: "Device links work for 10 minutes. Make a new one on your other device with “Use on another device”.",
  },
  unknown: {
    status: 404,
    title: "This link does not exist",
    words: "Check that the whole link was copied, or make a new one on your other device with “Use on another device”.",
  },
  limited: {
    status: 429,
    title: "Too many device links",
    words:
      "Your network opened or made too many device links in the last minute. Wait a minute, then open the link again.",
  },
} as const;

linkRoutes.get("/link/:code", async (c) => {
  if (!(await withinLimit(c.env, c.req.header("CF-Connecting-IP")))) {
    c.header("Retry-After", "60");
    return failedPage(c.env, c.req.url, "limited");
  }
  const code = c.req.param("code");
  if (!CODE.test(code) || authMode(c.env) === "jwt") return failedPage(c.env, c.req.url, "unknown");
  const redeemed = await c.env.DEVICE_LINKS.getByName(code).redeem();
  if (!redeemed.ok) return failedPage(c.env, c.req.url, redeemed.reason);
  setDeviceKey(c, redeemed.key);
  return c.redirect("/?linked", 303);
});

/** The landing-styled page that says why a link did not work (fixed words only). */
async function failedPage(env: Env, requestUrl: string, reason: keyof typeof FAILED): Promise<Response> {
  const { status, title, words } = FAILED[reason];
  const page = await env.ASSETS.fetch(new URL("/link-failed.html", requestUrl));
  const rewritten = new HTMLRewriter()
    .on("title", { element: (e) => void e.setInnerContent(`${title} · Parley`) })
    .on("h1", { element: (e) => void e.setInnerContent(title) })
    .on("#link-why", { element: (e) => void e.setInnerContent(words) })
    .transform(page);
  return new Response(rewritten.body, { status, headers: rewritten.headers });
}
