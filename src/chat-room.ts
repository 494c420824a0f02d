import { DurableObject } from "cloudflare:workers";
import { MessageStore } from "./message-store";
import {
  type ChatMessage,
  CLOSE_CODES,
  type ErrorFrame,
  exceedsFrameLimit,
  LIMITS,
  parseClientMessage,
  type SendFrame,
  type ServerMessage,
} from "./protocol";
import { readSession, type Session, writeSession } from "./session";

/** What the worker passes to the room with an upgrade (already validated). */
export const CONNECT_PARAMS = { room: "room", name: "name", since: "since" } as const;

export type RoomInfo = { online: string[]; lastSeq: number };

// Close codes the runtime reports but a socket may not send.
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

/**
 * One chat room. Sockets are hibernatable: the sessions map is a cache rebuilt
 * from the sockets' attachments whenever the object wakes.
 */
export class ChatRoom extends DurableObject<Env> {
  readonly #store: MessageStore;
  readonly #sessions = new Map<WebSocket, Session>();
  readonly #departed = new WeakSet<WebSocket>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    this.#store = new MessageStore(ctx.storage.sql);
    for (const ws of ctx.getWebSockets()) {
      const session = readSession(ws);
      if (session && ws.readyState === WebSocket.OPEN) this.#sessions.set(ws, session);
    }
  }

  override async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const room = params.get(CONNECT_PARAMS.room) ?? "";
    const name = params.get(CONNECT_PARAMS.name) ?? "";
    const sinceParam = params.get(CONNECT_PARAMS.since);
    const since = sinceParam === null ? undefined : Number(sinceParam);

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const session: Session = { name, joinedAt: Date.now() };
    writeSession(server, session);
    const wasOnline = this.#isOnline(name);
    this.#sessions.set(server, session);

    this.#sendTo(server, {
      type: "welcome",
      room,
      name,
      online: this.#onlineNames(),
      history: this.#store.history(since),
      lastSeq: this.#store.lastSeq,
    });
    if (!wasOnline) {
      this.#broadcastExcept({ type: "presence", event: "join", name, online: this.#onlineNames() }, server);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Who is online and the latest seq, for `GET /api/rooms/<room>`. */
  info(): RoomInfo {
    return { online: this.#onlineNames(), lastSeq: this.#store.lastSeq };
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const session = this.#sessions.get(ws) ?? readSession(ws);
    if (!session) {
      console.error("chat-room: socket without a session; closing it");
      this.#disconnect(ws, CLOSE_CODES.internalError, "session lost");
      return;
    }
    if (typeof data !== "string") {
      if (data.byteLength > LIMITS.frameBytesMax) {
        this.#disconnect(ws, CLOSE_CODES.tooBig, "frame too large");
        return;
      }
      this.#sendError(ws, {
        type: "error",
        code: "bad_message",
        message: "binary frames are not supported; send JSON text",
      });
      return;
    }
    if (exceedsFrameLimit(data)) {
      this.#disconnect(ws, CLOSE_CODES.tooBig, `frame larger than ${LIMITS.frameBytesMax} bytes`);
      return;
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      const { code, message, id } = parsed;
      this.#sendError(ws, id === undefined ? { type: "error", code, message } : { type: "error", code, message, id });
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case "send":
        this.#handleSend(ws, session, frame);
        return;
      case "typing":
        this.#broadcastExcept({ type: "typing", name: session.name }, ws);
        return;
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // Close our side too, or the client waits in CLOSING and reports 1006.
    this.#disconnect(ws, RESERVED_CLOSE_CODES.has(code) ? CLOSE_CODES.normal : code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    console.error("chat-room: socket error", this.#sessions.get(ws)?.name, error);
    this.#disconnect(ws, CLOSE_CODES.internalError, "socket error");
  }

  #handleSend(ws: WebSocket, session: Session, frame: SendFrame): void {
    const stored = this.#store.findBySender(session.name, frame.id);
    if (stored) {
      this.#sendTo(ws, { type: "ack", id: stored.id, seq: stored.seq, ts: stored.ts });
      return;
    }
    const message: ChatMessage = this.#store.append(session.name, frame.id, frame.text, Date.now());
    // The output gate holds these frames until the insert is durable.
    this.#sendTo(ws, { type: "ack", id: message.id, seq: message.seq, ts: message.ts });
    this.#broadcastExcept(message, ws);
  }

  /** Closes the socket and, if its person has no other socket, announces the leave. */
  #disconnect(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
    this.#depart(ws);
  }

  #depart(ws: WebSocket): void {
    // Close and error may both report one socket's end.
    if (this.#departed.has(ws)) return;
    this.#departed.add(ws);
    const session = this.#sessions.get(ws) ?? readSession(ws);
    this.#sessions.delete(ws);
    if (!session || this.#isOnline(session.name)) return;
    this.#broadcastExcept({ type: "presence", event: "leave", name: session.name, online: this.#onlineNames() });
  }

  #isOnline(name: string): boolean {
    for (const session of this.#sessions.values()) if (session.name === name) return true;
    return false;
  }

  /** Distinct names, in the order their people joined. */
  #onlineNames(): string[] {
    const sessions = [...this.#sessions.values()].sort((a, b) => a.joinedAt - b.joinedAt);
    return [...new Set(sessions.map((s) => s.name))];
  }

  #sendError(ws: WebSocket, frame: ErrorFrame): void {
    this.#sendTo(ws, frame);
  }

  #sendTo(ws: WebSocket, frame: ServerMessage): void {
    if (!this.#trySend(ws, JSON.stringify(frame))) {
      this.#disconnect(ws, CLOSE_CODES.internalError, "send failed");
    }
  }

  /** Sends one serialisation to every socket but `except`. */
  #broadcastExcept(frame: ServerMessage, except?: WebSocket): void {
    const payload = JSON.stringify(frame);
    const failed: WebSocket[] = [];
    for (const ws of this.#sessions.keys()) {
      if (ws !== except && !this.#trySend(ws, payload)) failed.push(ws);
    }
    // A failed send closes that socket only, after the others have theirs.
    for (const ws of failed) this.#disconnect(ws, CLOSE_CODES.internalError, "send failed");
  }

  #trySend(ws: WebSocket, payload: string): boolean {
    try {
      ws.send(payload);
      return true;
    } catch (error) {
      console.error("chat-room: send failed; closing socket", this.#sessions.get(ws)?.name, error);
      return false;
    }
  }
}
