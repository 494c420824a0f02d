// workers-chat-demo's room design: the first frame names the joiner, who then gets the
// roster and the last 100 messages; each message is stamped, broadcast to every session
// (its sender too) and stored under its timestamp. No hibernation: sockets are accept()ed.
import { DurableObject } from "cloudflare:workers";

type Env = { ROOMS: DurableObjectNamespace<DemoRoom> };
type Session = { ws: WebSocket; name?: string; quit?: boolean; queue: string[] };

export class DemoRoom extends DurableObject<Env> {
  #sessions: Session[] = [];
  #lastTimestamp = 0;

  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    const session: Session = { ws: server, queue: [] };
    this.#sessions.push(session);
    // Joins seen so far are queued for the newcomer until it names itself.
    for (const other of this.#sessions) if (other.name) session.queue.push(JSON.stringify({ joined: other.name }));
    const backlog = await this.ctx.storage.list<string>({ reverse: true, limit: 100 });
    for (const value of [...backlog.values()].reverse()) session.queue.push(value);
    server.addEventListener("message", (event) => this.#onMessage(session, event.data));
    const leave = () => this.#leave(session);
    server.addEventListener("close", leave);
    server.addEventListener("error", leave);
    return new Response(null, { status: 101, webSocket: client });
  }

  #onMessage(session: Session, raw: string | ArrayBuffer): void {
    if (session.quit || typeof raw !== "string") return;
    let data: { name?: unknown; message?: unknown };
    try {
      data = JSON.parse(raw);
    } catch {
      session.ws.send(JSON.stringify({ error: "bad JSON" }));
      return;
    }
    if (!session.name) {
      session.name = String(data.name ?? "anonymous").slice(0, 32);
      for (const queued of session.queue) session.ws.send(queued);
      session.queue = [];
      this.#broadcast(JSON.stringify({ joined: session.name }));
      session.ws.send(JSON.stringify({ ready: true }));
      return;
    }
    const message = String(data.message ?? "");
    if (message.length > 256) {
      session.ws.send(JSON.stringify({ error: "Message too long." }));
      return;
    }
    // Strictly increasing timestamps: they are the storage keys.
    const timestamp = Math.max(Date.now(), this.#lastTimestamp + 1);
    this.#lastTimestamp = timestamp;
    const text = JSON.stringify({ name: session.name, message, timestamp });
    this.#broadcast(text);
    void this.ctx.storage.put(new Date(timestamp).toISOString(), text);
  }

  #broadcast(text: string): void {
    const quitters: Session[] = [];
    for (const session of this.#sessions) {
      if (!session.name) {
        session.queue.push(text);
        continue;
      }
      try {
        session.ws.send(text);
      } catch {
        session.quit = true;
        quitters.push(session);
      }
    }
    for (const quitter of quitters) this.#leave(quitter);
  }

  #leave(session: Session): void {
    session.quit = true;
    const before = this.#sessions.length;
    this.#sessions = this.#sessions.filter((s) => s !== session);
    if (this.#sessions.length !== before && session.name) this.#broadcast(JSON.stringify({ quit: session.name }));
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
