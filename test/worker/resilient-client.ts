import type { ChatMessage, ServerMessage } from "../../src/shared/protocol";
import { unbatch } from "../../src/shared/protocol";
import { deviceCookie, keyOf, upgrade } from "./helpers";

/**
 * A test client that behaves like the page: an outbox re-sent with the same
 * ids after every reconnect, `since` = the last seq seen, de-duplication by seq.
 * It records what a person would have seen.
 */
export class ResilientClient {
  /** Messages shown to the person, in the order shown (others' and own, by seq). */
  readonly shown: ChatMessage[] = [];
  /** Raw `message` frames that repeated a seq this client had already seen. */
  rawDuplicates = 0;
  readonly outbox = new Map<string, string>();
  readonly acked = new Map<string, number>();
  lastSeq = 0;
  connections = 0;
  #socket: WebSocket | null = null;
  #open = false;

  constructor(
    readonly room: string,
    readonly name: string,
  ) {}

  get connected(): boolean {
    return this.#open;
  }

  async connect(): Promise<void> {
    const since = this.lastSeq > 0 ? `&since=${this.lastSeq}` : "";
    const response = await upgrade(
      `/api/rooms/${this.room}/ws?name=${this.name}${since}`,
      deviceCookie(keyOf(this.name)),
    );
    const socket = response.webSocket;
    if (response.status !== 101 || !socket) throw new Error(`connect failed: ${response.status}`);
    this.#socket = socket;
    this.connections++;
    const welcomed = new Promise<void>((resolve) => {
      socket.addEventListener("message", (event) => {
        if (socket !== this.#socket || event.data === "pong") return;
        const frame = JSON.parse(String(event.data)) as ServerMessage;
        for (const f of unbatch(frame)) {
          this.#receive(f);
          if (f.type === "welcome") resolve();
        }
      });
    });
    socket.addEventListener("close", () => {
      if (socket === this.#socket) {
        this.#open = false;
        this.#socket = null;
      }
    });
    socket.accept();
    await welcomed;
  }

  /** Drops the connection as a flaky network would: no goodbye from the app. */
  drop(): void {
    const socket = this.#socket;
    this.#open = false;
    this.#socket = null;
    socket?.close(4000, "network blip");
  }

  send(id: string, text: string): void {
    this.outbox.set(id, text);
    this.#transmit(id, text);
  }

  #transmit(id: string, text: string): void {
    if (this.#open) this.#socket?.send(JSON.stringify({ type: "send", id, text }));
  }

  #settle(id: string, seq: number): void {
    if (!this.outbox.delete(id)) return;
    this.acked.set(id, seq);
  }

  #show(message: ChatMessage): void {
    if (message.seq <= this.lastSeq) {
      this.rawDuplicates++;
      return;
    }
    this.lastSeq = message.seq;
    this.shown.push(message);
    if (message.name === this.name) this.#settle(message.id, message.seq);
  }

  #receive(f: Exclude<ServerMessage, { type: "batch" }>): void {
    switch (f.type) {
      case "welcome":
        this.#open = true;
        // Re-send before reading the history, as a client that never learned
        // its message was stored would: only the room's de-duplication by id
        // keeps each message single.
        for (const [id, text] of this.outbox) this.#transmit(id, text);
        for (const event of f.history) if (event.type === "message") this.#show(event);
        return;
      case "message":
        this.#show(f);
        return;
      case "ack": {
        const text = this.outbox.get(f.id);
        if (text !== undefined) {
          this.#settle(f.id, f.seq);
          // Our own message takes its place in the room's order.
          if (f.seq > this.lastSeq) {
            this.lastSeq = f.seq;
            this.shown.push({ type: "message", seq: f.seq, id: f.id, name: this.name, text, ts: f.ts });
          }
        }
        return;
      }
      case "error":
        if (f.code === "rate_limited" && f.id !== undefined) {
          const id = f.id;
          setTimeout(() => {
            const text = this.outbox.get(id);
            if (text !== undefined) this.#transmit(id, text);
          }, f.retryAfterMs ?? 500);
          return;
        }
        throw new Error(`unexpected error frame: ${JSON.stringify(f)}`);
      default:
        return;
    }
  }
}
