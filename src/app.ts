import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { CONNECT_PARAMS } from "./chat-room";
import { jsonError } from "./http-error";
import { isOriginAllowed, parseAllowList } from "./origin";
import { parseName, parseSince } from "./protocol";
import { canonicalRoom } from "./room-name";
import { strictQueryParam } from "./strict-query";

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

app.get("/api/health", (c) => c.json({ ok: true }));

const BAD_ROOM = "room names are 1-64 characters of A-Z a-z 0-9 _ -";

app.get("/api/rooms/:room/ws", async (c) => {
  const room = canonicalRoom(c.req.param("room"));
  if (room === null) return jsonError(c, 400, "bad_room", BAD_ROOM);
  if (!(await mayConnect(c.env, c.req.header("CF-Connecting-IP")))) {
    c.header("Retry-After", "60");
    return jsonError(
      c,
      429,
      "too_many_requests",
      "too many connection attempts from your address; try again in a minute",
    );
  }
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return jsonError(c, 426, "upgrade_required", "this endpoint only accepts WebSocket upgrades");
  }
  const allowList = parseAllowList(c.env.ALLOWED_ORIGINS);
  if (!isOriginAllowed(c.req.header("Origin") ?? null, c.req.url, allowList)) {
    return jsonError(c, 403, "forbidden_origin", "this origin may not open sockets here");
  }
  const rawName = strictQueryParam(c.req.url, "name");
  if (!rawName.ok) return jsonError(c, 400, "bad_name", "name is not valid UTF-8 once decoded");
  const name = parseName(rawName.value);
  if (!name.ok) return jsonError(c, 400, "bad_name", name.message);
  const since = parseSince(c.req.query("since"));
  if (!since.ok) return jsonError(c, 400, "bad_since", since.message);

  const target = new URL("https://chat-room/connect");
  target.searchParams.set(CONNECT_PARAMS.room, room);
  target.searchParams.set(CONNECT_PARAMS.name, name.value);
  const ip = c.req.header("CF-Connecting-IP");
  if (ip) target.searchParams.set(CONNECT_PARAMS.address, await addressKey(ip));
  if (since.value !== undefined) target.searchParams.set(CONNECT_PARAMS.since, String(since.value));
  // The room accepts the socket itself (hibernatable), so pass the raw upgrade on.
  return c.env.ROOMS.getByName(room).fetch(new Request(target, c.req.raw));
});

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

/** The room sees a hash of the client's address, never the address. */
async function addressKey(ip: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`parley-address:${ip}`));
  return btoa(String.fromCharCode(...new Uint8Array(digest, 0, 12)));
}

async function servePage(env: Env, requestUrl: string, path: string): Promise<Response> {
  return mutable(await env.ASSETS.fetch(new URL(path, requestUrl)));
}

async function notFoundPage(env: Env, requestUrl: string): Promise<Response> {
  return mutable(await env.ASSETS.fetch(new URL("/404.html", requestUrl)), 404);
}
