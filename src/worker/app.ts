import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { timingSafeEqual } from "hono/utils/buffer";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type RoomRefusal, SHARD_FULL_HEADER, SHARD_HEADER, shardName } from "../room";
import { canonicalRoom, type Joiner, joinerUrl, parseAdminAction, parseSince } from "../shared";
import { addressKey } from "./address";
import { issueDeviceKey } from "./device-key";
import { jsonError } from "./http-error";
import { identify } from "./identity";
import { authMode, bearerToken } from "./jwt-auth";
import { linkRoutes } from "./link-routes";
import { isOriginAllowed, parseAllowList } from "./origin";

export { addressKey } from "./address";

export type AppEnv = { Bindings: Env };

export const app = new Hono<AppEnv>();

// Pages and scripts: only our own origin, never framed.
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
  },
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
});
// API answers (a 101 among them) pass through untouched.
app.use("*", (c, next) => (c.req.path.startsWith("/api/") ? next() : pageHeaders(c, next)));
// Every browser gets a device key with its first page: its identity in rooms.
app.use("*", issueDeviceKey());

app.get("/api/health", (c) => c.json({ ok: true }));

const BAD_ROOM = "room names are 1-64 characters of A-Z a-z 0-9 _ -";

// Every check an upgrade gets, in order. A GET without `Upgrade` runs them all
// too and answers the first failure, or 426: browsers cannot read an upgrade's
// refusal, so the page asks this way to say why it cannot join.
app.get("/api/rooms/:room/ws", async (c) => {
  const room = canonicalRoom(c.req.param("room"));
  if (room === null) return jsonError(c, 400, "bad_room", BAD_ROOM);
  if (!(await mayConnect(c.env, c.req.header("CF-Connecting-IP")))) {
    c.header("Retry-After", "60");
    return jsonError(
      c,
      429,
      "too_many_requests",
      "too many connection attempts from your network; try again in a minute",
    );
  }
  const allowList = parseAllowList(c.env.ALLOWED_ORIGINS);
  if (!isOriginAllowed(c.req.header("Origin") ?? null, c.req.url, allowList)) {
    return jsonError(c, 403, "forbidden_origin", "this origin may not open sockets here");
  }
  const who = await identify(c, room);
  if (!who.ok) return jsonError(c, who.status, who.code, who.message);
  const since = parseSince(c.req.query("since"));
  if (!since.ok) return jsonError(c, 400, "bad_since", since.message);
  const ip = c.req.header("CF-Connecting-IP");
  const joiner: Joiner = { room, ...who.value, address: ip ? await addressKey(ip) : "" };
  if (since.value !== undefined) joiner.since = since.value;

  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    // Without a key the socket would be a person of its own: anyone's held name is refused to it.
    const refusal = await c.env.ROOMS.getByName(room).admission({ ...joiner, identity: joiner.identity || "e:asking" });
    if (refusal) {
      // A ban with an end says when, as a browser can read it.
      if (refusal.retryAfterMs !== undefined) c.header("Retry-After", String(Math.ceil(refusal.retryAfterMs / 1000)));
      return jsonError(c, REFUSAL_STATUS[refusal.code], refusal.code, refusal.message);
    }
    return jsonError(c, 426, "upgrade_required", "this endpoint only accepts WebSocket upgrades");
  }
  // The room accepts the socket itself (hibernatable), so pass the raw upgrade on, without the
  // client's compression offer: chat frames are small, and deflating each once per recipient cost
  // Parley ~20% of its throughput and 215-310 KiB a socket (docs/benchmarks.md).
  const response = await placeSocket(c.env, joiner, c.req.raw);
  if (response.status !== 101 || !response.webSocket) return response;
  // An empty Sec-WebSocket-Extensions on the 101 declines permessage-deflate (workerd's
  // web_socket_compression flag). `wrangler dev`'s own proxy negotiates it anyway.
  return new Response(null, {
    status: 101,
    webSocket: response.webSocket,
    headers: { "Sec-WebSocket-Extensions": "" },
  });
});

// A shard found full (another worker filled its last place) sends the upgrade back to the room this many times.
const PLACEMENT_TRIES = 3;

/**
 * Hands the upgrade to the room object, which accepts it itself while it holds
 * fewer than `ROOM_SHARD_SOCKETS` (a small room: one hop, as ever), or names
 * the shard it goes to: the worker keeps no map of shards, so it is never stale.
 */
async function placeSocket(env: Env, joiner: Joiner, raw: Request): Promise<Response> {
  const upgrade = (url: string) => {
    const request = new Request(url, raw);
    request.headers.delete("Sec-WebSocket-Extensions");
    return request;
  };
  const room = env.ROOMS.getByName(joiner.room);
  for (let attempt = 1; ; attempt++) {
    const response = await room.fetch(upgrade(joinerUrl(joiner)));
    const shard = response.headers.get(SHARD_HEADER);
    if (response.status !== 307 || shard === null) return response;
    const url = joinerUrl(joiner, Number(shard));
    const placed = await env.ROOM_SHARDS.getByName(shardName(joiner.room, Number(shard))).fetch(upgrade(url));
    if (!placed.headers.has(SHARD_FULL_HEADER) || attempt >= PLACEMENT_TRIES) return placed;
  }
}

const REFUSAL_STATUS = {
  name_taken: 409,
  banned: 403,
  locked: 403,
  room_full: 503,
  too_many_connections: 429,
} as const satisfies Record<RoomRefusal["code"], ContentfulStatusCode>;

app.get("/api/rooms/:room", async (c) => {
  const room = canonicalRoom(c.req.param("room"));
  if (room === null) return jsonError(c, 400, "bad_room", BAD_ROOM);
  const { success } = await c.env.API_LIMITER.limit({ key: c.req.header("CF-Connecting-IP") ?? "unknown" });
  if (!success) {
    c.header("Retry-After", "60");
    return jsonError(c, 429, "too_many_requests", "too many room requests from your address; try again in a minute");
  }
  return c.json({ room, ...(await c.env.ROOMS.getByName(room).info()) });
});

// Deployers moderate any room with the ADMIN_TOKEN secret; without it the route does not exist.
app.post("/api/rooms/:room/moderation", async (c) => {
  const adminToken = usableAdminToken(c.env.ADMIN_TOKEN);
  if (adminToken === null) return jsonError(c, 404, "not_found", "moderation by API is not enabled on this deployment");
  // Compared in constant time (by digests too, so the length leaks nothing), then counted per address.
  const tokenIsRight = await timingSafeEqual(bearerToken(c) ?? "", adminToken);
  const guard = c.env.ADMIN_GUARD.getByName(await addressKey(c.req.header("CF-Connecting-IP") ?? "unknown"));
  const attempt = await guard.attempt(tokenIsRight);
  if (attempt.verdict === "limited") {
    c.header("Retry-After", String(attempt.retryAfterSeconds));
    return jsonError(c, 429, "too_many_requests", "too many wrong admin tokens from your address; try again later");
  }
  if (attempt.verdict === "unauthorized") {
    return jsonError(c, 401, "unauthorized", "a valid ADMIN_TOKEN is required as a Bearer token");
  }
  const room = canonicalRoom(c.req.param("room"));
  if (room === null) return jsonError(c, 400, "bad_room", BAD_ROOM);
  const request = parseAdminAction(await c.req.json().catch(() => null));
  if (!request.ok) return jsonError(c, 400, "bad_request", request.message);
  const result = await c.env.ROOMS.getByName(room).moderateAsAdmin(request.value);
  return result.ok
    ? c.json(result)
    : jsonError(c, result.code === "forbidden" ? 403 : 404, result.code, result.message);
});

app.route("/", linkRoutes);

app.all("/api/*", (c) => jsonError(c, 404, "not_found", `no API route ${c.req.method} ${c.req.path}`));

app.get("/", (c) => servePage(c.env, c.req.url, "/index.html"));

app.get("/:room{[A-Za-z0-9_-]+}", (c) => {
  const raw = c.req.param("room");
  const room = canonicalRoom(raw);
  if (room === null) return notFoundPage(c.env, c.req.url);
  if (room !== raw) {
    const url = new URL(c.req.url);
    url.pathname = `/${room}`;
    return c.redirect(url.toString(), 301);
  }
  return servePage(c.env, c.req.url, "/room.html");
});

// Everything else is a static file, or the 404 page.
app.get("*", async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  return asset.status === 404 ? notFoundPage(c.env, c.req.url) : mutable(asset);
});

app.onError((error, c) => {
  console.error("worker: unhandled error", c.req.method, c.req.path, error);
  return jsonError(c, 500, "internal", "something went wrong on our side");
});

// Asset responses have immutable headers; copy so middleware may add to them.
function mutable(response: Response, status = response.status): Response {
  return new Response(response.body, { status, statusText: response.statusText, headers: response.headers });
}

/** Connection attempts per client IP, counted by the Rate Limiting binding. */
async function mayConnect(env: Env, ip: string | undefined): Promise<boolean> {
  if (env.CONNECT_RATE_LIMIT === "off") return true;
  const { success } = await env.CONNECT_LIMITER.limit({ key: ip ?? "unknown" });
  return success;
}

const ADMIN_TOKEN_MIN_LENGTH = 32;
let warnedShortAdminToken = false;

/** ADMIN_TOKEN when it is long enough to turn the admin API on; a short one is logged (once), never used. */
function usableAdminToken(token: string | undefined): string | null {
  if (!token) return null;
  if (token.length >= ADMIN_TOKEN_MIN_LENGTH) return token;
  if (!warnedShortAdminToken) {
    warnedShortAdminToken = true;
    console.warn(
      `worker: ADMIN_TOKEN is shorter than ${ADMIN_TOKEN_MIN_LENGTH} characters, so the admin API is off (404); set a longer one`,
    );
  }
  return null;
}

async function servePage(env: Env, requestUrl: string, path: string): Promise<Response> {
  const page = mutable(await env.ASSETS.fetch(new URL(path, requestUrl)));
  if (authMode(env) !== "jwt") return page;
  // The page never asks a signed-in deployment's visitors for a name: it is told so before it connects.
  const signInUrl = env.AUTH_SIGN_IN_URL?.trim();
  return new HTMLRewriter()
    .on("html", {
      element(html) {
        html.setAttribute("data-auth", "jwt");
        if (signInUrl && /^https?:\/\//.test(signInUrl)) html.setAttribute("data-sign-in-url", signInUrl);
      },
    })
    .transform(page);
}

async function notFoundPage(env: Env, requestUrl: string): Promise<Response> {
  return mutable(await env.ASSETS.fetch(new URL("/404.html", requestUrl)), 404);
}
