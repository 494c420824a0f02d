import type { ServerMessage } from "../../src/shared/protocol";
import { parseServerMessage, unbatch } from "../../src/shared/protocol";

type Frame = Exclude<ServerMessage, { type: "batch" }>;
const TIMEOUT_MS = 10_000;

/** A Node WebSocket client for tests against a running server: records frames, waits for them. */
export class NodeChatClient {
  readonly frames: Frame[] = [];
  readonly #socket: WebSocket;
  readonly #listeners = new Set<() => void>();
  closeCode: number | null = null;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener("message", (event) => {
      const frame = typeof event.data === "string" ? parseServerMessage(event.data) : null;
      if (frame) this.frames.push(...unbatch(frame));
      for (const listener of this.#listeners) listener();
    });
    socket.addEventListener("close", (event) => {
      this.closeCode = event.code;
      for (const listener of this.#listeners) listener();
    });
  }

  /** Connects as `name`, bringing that name's device key as a non-browser client may, so it is one person throughout. */
  static async connect(base: string, room: string, name: string, since?: number): Promise<NodeChatClient> {
    const url = new URL(`/api/rooms/${room}/ws`, base.replace(/^http/, "ws"));
    url.searchParams.set("name", name);
    if (since !== undefined) url.searchParams.set("since", String(since));
    const key = `node-test-${encodeURIComponent(name).replace(/[^A-Za-z0-9_-]/g, "_")}`.padEnd(22, "_").slice(0, 64);
    // Node's WebSocket (undici) takes headers as a second argument; browsers' does not.
    const init = { headers: { Cookie: `parley_device=${key}` } } as unknown as string[];
    const client = new NodeChatClient(new WebSocket(url, init));
    await client.next("welcome");
    return client;
  }

  of<T extends Frame["type"]>(type: T): Extract<Frame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<Frame, { type: T }> => f.type === type);
  }

  /** Waits until a frame of this type matching `match` has arrived. */
  next<T extends Frame["type"]>(
    type: T,
    match: (f: Extract<Frame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<Frame, { type: T }>> {
    return this.until(() => this.of(type).find(match), `a ${type} frame`);
  }

  until<R>(probe: () => R | undefined, what: string): Promise<R> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.closeCode !== null) {
          done();
          reject(new Error(`socket closed (${this.closeCode}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 400)}`));
      }, TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  async say(id: string, text: string) {
    this.#socket.send(JSON.stringify({ type: "send", id, text }));
    return this.next("ack", (a) => a.id === id);
  }

  /** Sends any frame as it is. */
  send(frame: Record<string, unknown>): void {
    this.#socket.send(JSON.stringify(frame));
  }

  close(): void {
    this.#socket.close(1000);
  }

  /** Resolves when the server has closed or dropped the socket. */
  closed(): Promise<number> {
    return this.until(() => this.closeCode ?? undefined, "close");
  }
}
