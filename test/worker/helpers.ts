import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { MessageStore } from "../../src/room/log/message-store";
import {
  type ClientMessage,
  type LogEvent,
  type PresenceChangeFrame,
  type PresenceFrame,
  parseServerMessage,
  type ServerMessage,
  unbatch,
} from "../../src/shared/protocol";

export const ORIGIN = "https://parley.test";
const TIMEOUT_MS = 5_000;

/** A unique room per test, so tests never see each other's messages. */
export function freshRoom(): string {
  return `t-${crypto.randomUUID()}`;
}

/** A request from an address of its own unless the test names one. */
export function request(path: string, init?: RequestInit): Promise<Response> {
  const req = new Request(`${ORIGIN}${path}`, init);
  if (!req.headers.has("CF-Connecting-IP")) req.headers.set("CF-Connecting-IP", freshIp());
  return exports.default.fetch(req);
}

/** A client address of its own, so tests never share a connection-rate budget. */
export function freshIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

/** The room as `GET /api/rooms/<room>` describes it. */
export async function roomInfo(
  room: string,
): Promise<{ room: string; online: string[]; onlineCount: number; lastSeq: number; shards: number }> {
  return (await request(`/api/rooms/${room}`)).json();
}

/** The room's last seq: how many messages it has stored. */
export async function lastSeq(room: string): Promise<number> {
  return (await roomInfo(room)).lastSeq;
}

export function upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return request(path, { headers: { Upgrade: "websocket", "CF-Connecting-IP": freshIp(), ...headers } });
}

const isChange = (f: PresenceFrame): f is PresenceChangeFrame => f.event !== "count";

type Waiter = { match: (f: ServerMessage) => boolean; resolve: (f: ServerMessage) => void };

/** A test's WebSocket client: records every frame and waits for the ones it needs. */
export class TestClient {
  readonly frames: ServerMessage[] = [];
  readonly raw: string[] = [];
  /** How many `batch` frames arrived (their frames are in `frames`). */
  batches = 0;
  closeEvent: CloseEvent | null = null;
  readonly #waiters = new Set<Waiter>();
  readonly #closeWaiters = new Set<(e: CloseEvent) => void>();

  constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const data = typeof event.data === "string" ? event.data : "<binary>";
      this.raw.push(data);
      if (data === "pong") return;
      const received = parseServerMessage(data);
      if (!received) throw new Error(`the room sent a frame the protocol does not define: ${data.slice(0, 200)}`);
      if (received.type === "batch") this.batches++;
      // A batch is handled exactly as its frames, in order.
      for (const frame of unbatch(received)) {
        this.frames.push(frame);
        for (const waiter of this.#waiters) {
          if (waiter.match(frame)) {
            this.#waiters.delete(waiter);
            waiter.resolve(frame);
          }
        }
      }
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = event;
      for (const resolve of this.#closeWaiters) resolve(event);
    });
    socket.accept();
  }

  send(frame: ClientMessage | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(data: string | ArrayBuffer): void {
    this.socket.send(data);
  }

  /** The first frame, already received or still to come, of this type matching `match`. */
  next<T extends ServerMessage["type"]>(
    type: T,
    match: (f: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    after = 0,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    type F = Extract<ServerMessage, { type: T }>;
    const test = (f: ServerMessage): f is F => f.type === type && match(f as F);
    const seen = this.frames.slice(after).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise<F>((resolve, reject) => {
      const waiter: Waiter = {
        match: test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as F);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out waiting for a ${type} frame; got ${JSON.stringify(this.frames).slice(0, 500)}`));
      }, TIMEOUT_MS);
      this.#waiters.add(waiter);
    });
  }

  /** Waits for `count` frames of a type in all. */
  async collect<T extends ServerMessage["type"]>(
    type: T,
    count: number,
  ): Promise<Extract<ServerMessage, { type: T }>[]> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.of(type).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out: ${this.of(type).length} of ${count} ${type} frames`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.of(type);
  }

  of<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ServerMessage, { type: T }> => f.type === type);
  }

  /** The join and leave news received (presence frames but counts). */
  changes(): PresenceChangeFrame[] {
    return this.of("presence").filter(isChange);
  }

  /** The first join or leave news, already received or still to come, matching `match`. */
  async nextChange(match: (f: PresenceChangeFrame) => boolean = () => true, after = 0): Promise<PresenceChangeFrame> {
    return (await this.next("presence", (f) => isChange(f) && match(f), after)) as PresenceChangeFrame;
  }

  closed(): Promise<CloseEvent> {
    if (this.closeEvent) return Promise.resolve(this.closeEvent);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for close")), TIMEOUT_MS);
      this.#closeWaiters.add((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  close(code = 1000): void {
    this.socket.close(code, "test done");
  }
}

/**
 * The device key a test person brings, as a non-browser client may: one per
 * name, so the same name is the same person across sockets and reconnects.
 */
export function keyOf(name: string): string {
  return `test-key-${encodeURIComponent(name).replace(/[^A-Za-z0-9_-]/g, "_")}`.padEnd(22, "_").slice(0, 64);
}

/** The device cookie as a browser sends it over https (ORIGIN). */
export const deviceCookie = (key: string) => ({ Cookie: `__Host-parley_device=${key}` });

/** An upgrade the room turned away: the `error` frame it sent first, and the close code. */
export async function refusal(response: Response): Promise<{ error: ServerMessage; code: number }> {
  const socket = response.webSocket;
  if (!socket) throw new Error(`expected a socket opened to say why, got ${response.status}`);
  const frames: string[] = [];
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.addEventListener("message", (e) => frames.push(String(e.data)));
  socket.accept();
  const { code } = await closed;
  const error = parseServerMessage(frames[0] ?? "");
  if (!error) throw new Error(`expected an error frame first, got ${frames[0]}`);
  return { error, code };
}

/** Opens a socket in `room` as `name` (with that name's device key) and waits for its welcome. */
export function join(room: string, name: string, query = ""): Promise<TestClient> {
  return joinFrom(room, name, freshIp(), query);
}

/** Opens a socket from the address `ip`; `key: null` brings no device key. */
export async function joinFrom(
  room: string,
  name: string,
  ip: string,
  query = "",
  key: string | null = keyOf(name),
): Promise<TestClient> {
  const response = await upgrade(`/api/rooms/${room}/ws?name=${encodeURIComponent(name)}${query}`, {
    "CF-Connecting-IP": ip,
    ...(key === null ? {} : deviceCookie(key)),
  });
  if (response.status !== 101 || !response.webSocket) {
    throw new Error(`expected 101, got ${response.status}: ${await response.text()}`);
  }
  const client = new TestClient(response.webSocket);
  await client.next("welcome");
  return client;
}

/** The welcome's history and every `catchup` page after it, asked for as the page does. */
export async function catchUp(client: TestClient): Promise<LogEvent[]> {
  const welcome = await client.next("welcome");
  const history = [...welcome.history];
  let more = welcome.more;
  while (more) {
    const id = crypto.randomUUID();
    client.send({ type: "catchup", id, since: history.at(-1)?.seq ?? 0 });
    const page = await client.next("catchup", (f) => f.id === id);
    history.push(...page.history);
    more = page.more;
  }
  return history;
}

/** Sends a frame with a fresh id and waits for its ack or error. */
export async function act(client: TestClient, frame: Record<string, unknown>) {
  const id = crypto.randomUUID();
  const from = client.frames.length;
  client.send({ ...frame, id });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const answer = client.frames.slice(from).find((f) => (f.type === "ack" || f.type === "error") && f.id === id);
    if (answer) return answer;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer to ${JSON.stringify(frame)}`);
}

/** Sends a message and waits for its ack. */
export async function say(client: TestClient, text: string, id = crypto.randomUUID()) {
  client.send({ type: "send", id, text });
  return client.next("ack", (a) => a.id === id);
}

/**
 * Rate Limiting bindings count in windows aligned to the wall clock (a minute
 * here): a test that fills one starts clear of its end, or the window may roll
 * over half way and let the attempt that should be refused through.
 */
export async function clearOfWindowEnd(periodMs = 60_000, marginMs = 10_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 100));
}

/** Lets frames already sent arrive, to show that nothing more does. */
export function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes `count` messages straight into a room's storage (faster than the
 * per-connection rate limit allows), then evicts the room so it reloads.
 */
export async function seedHistory(room: string, count: number, name = "writer"): Promise<void> {
  const stub = env.ROOMS.getByName(room);
  await runInDurableObject(stub, (_room, state) => {
    const store = new MessageStore(state.storage);
    const from = store.lastSeq + 1;
    for (let i = from; i < from + count; i++) store.append(`n:${name}`, name, `m${i}`, `message ${i}`, Date.now());
  });
  await evictDurableObject(stub, { webSockets: "hibernate" });
}

/** Evicts a Durable Object as a restart would, its sockets kept; woken first, as only a running object can be. */
export async function evictAwake(stub: Parameters<typeof evictDurableObject>[0]): Promise<void> {
  await runInDurableObject(stub, () => {});
  await evictDurableObject(stub, { webSockets: "hibernate" });
}
