// A raw hibernatable Durable Object that relays each frame to the room's other sockets:
// no validation, no storage, no acks. What the runtime costs before Parley adds anything.
// With GREET = "on" (wrangler.app.toml) each socket is first sent one short line, as Parley's
// welcome is always sent, and the worker sits behind an assets folder as Parley's does.
import { DurableObject } from "cloudflare:workers";

type Env = { ROOMS: DurableObjectNamespace<BroadcastRoom>; GREET?: string };

export class BroadcastRoom extends DurableObject<Env> {
  // A cache of the accepted sockets, rebuilt when the object wakes from hibernation.
  readonly #sockets = new Set<WebSocket>(this.ctx.getWebSockets());

  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    this.#sockets.add(server);
    if (this.env.GREET === "on") server.send(`{"type":"welcome","online":${this.#sockets.size}}`);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    for (const peer of this.#sockets) {
      if (peer === ws) continue;
      try {
        peer.send(data);
      } catch {
        this.#sockets.delete(peer);
      }
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.#sockets.delete(ws);
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code);
    } catch {
      // already closed
    }
  }

  override webSocketError(ws: WebSocket): void {
    this.#sockets.delete(ws);
  }
}

const ROOM_SOCKET = /^\/api\/rooms\/([\w-]{1,64})\/ws$/;

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/health") return Response.json({ ok: true });
    const room = ROOM_SOCKET.exec(url.pathname)?.[1];
    if (!room || request.headers.get("upgrade") !== "websocket") return new Response("not found", { status: 404 });
    return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request);
  },
} satisfies ExportedHandler<Env>;
