// A fake room for the page's connection in plain Node: sockets the test opens
// and closes by hand, a preflight `fetch` that answers what the test says, and
// a recorder of everything the connection tells the page. Frames both ways go
// through the production parsers.

import { afterEach, beforeEach, expect, vi } from "vitest";
import type { ChatEvents } from "../../src/client/connection/events";
import { type JsonStore, Outbox } from "../../src/client/connection/outbox";
import type { WhyResponse } from "../../src/client/connection/refusal";
import { RoomSync } from "../../src/client/connection/room-sync";
import type { Runtime, Socket, SocketHandlers } from "../../src/client/connection/runtime";

/** Fake timers, and every jitter at the top of its range so delays are exact: for each test of the file. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(1);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

import {
  type ChatMessage,
  type ClientMessage,
  type LogEvent,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
  type WelcomeFrame,
} from "../../src/shared/protocol";

export const BASE = "https://chat.example/lobby";

export class FakeSocket implements Socket {
  readyState = 0;
  /** Everything sent, as text ("ping" included). */
  readonly sent: string[] = [];
  closedBy: { code: number; reason: string } | null = null;

  constructor(
    readonly url: URL,
    readonly handlers: SocketHandlers,
  ) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(code: number, reason: string): void {
    this.readyState = 3;
    this.closedBy = { code, reason };
  }

  /** The upgrade went through. */
  accept(): void {
    this.readyState = 1;
  }

  /** The room sends a frame (checked to be one the protocol defines). */
  receive(frame: ServerMessage): void {
    const data = JSON.stringify(frame);
    expect(parseServerMessage(data), `not a server frame: ${data}`).not.toBeNull();
    this.handlers.message(data);
  }

  /** The room (or the network) closes the socket. */
  serverClose(code: number): void {
    this.readyState = 3;
    this.handlers.close(code);
  }

  /** The frames sent, parsed as the room parses them; `ping` is left out. */
  frames(): ClientMessage[] {
    return this.sent
      .filter((data) => data !== "ping")
      .map((data) => {
        const parsed = parseClientMessage(data);
        if (!parsed.ok) throw new Error(`the page sent a frame the room refuses: ${data} (${parsed.message})`);
        return parsed.value;
      });
  }

  framesOf<T extends ClientMessage["type"]>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.frames().filter((f): f is Extract<ClientMessage, { type: T }> => f.type === type);
  }
}

/** A preflight answer: a JSON error body with a status, as the worker sends it. */
export function refusalResponse(status: number, code: string, message: string, retryAfter?: number): WhyResponse {
  const headers = new Headers(retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) });
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers });
}

export type Recorded = { [K in keyof ChatEvents]: [K, ...Parameters<ChatEvents[K]>] }[keyof ChatEvents];

export class FakeRoom {
  readonly sockets: FakeSocket[] = [];
  readonly asked: URL[] = [];
  readonly events: Recorded[] = [];
  readonly store = new Map<string, unknown>();
  /** How the preflight GET answers; by default the server is unreachable. */
  answer: (url: URL) => Promise<WhyResponse> = () => Promise.reject(new TypeError("fetch failed"));
  offline = false;
  #online: () => void = () => {};
  #offline: () => void = () => {};
  readonly outbox: Outbox;
  readonly connection: RoomSync;

  constructor(name: string | null = "Ann") {
    const store: JsonStore = {
      read: (key) => this.store.get(key) ?? null,
      write: (key, value) => this.store.set(key, structuredClone(value)),
    };
    const runtime: Runtime = {
      openSocket: (url, handlers) => {
        const socket = new FakeSocket(url, handlers);
        this.sockets.push(socket);
        return socket;
      },
      fetch: (url) => {
        this.asked.push(url);
        return this.answer(url);
      },
      offline: () => this.offline,
      watchNetwork: (online, offline) => {
        this.#online = online;
        this.#offline = offline;
      },
    };
    const push = (event: Recorded) => this.events.push(event);
    const record: ChatEvents = {
      state: (...args) => push(["state", ...args]),
      welcome: (...args) => push(["welcome", ...args]),
      reset: () => push(["reset"]),
      message: (...args) => push(["message", ...args]),
      change: (...args) => push(["change", ...args]),
      outbox: (...args) => push(["outbox", ...args]),
      changed: (...args) => push(["changed", ...args]),
      older: (...args) => push(["older", ...args]),
      search: (...args) => push(["search", ...args]),
      presence: (...args) => push(["presence", ...args]),
      bans: (...args) => push(["bans", ...args]),
      typing: (...args) => push(["typing", ...args]),
      refused: (...args) => push(["refused", ...args]),
      error: (...args) => push(["error", ...args]),
    };
    this.outbox = new Outbox("lobby", store);
    this.connection = new RoomSync(BASE, "lobby", { name, token: null }, this.outbox, record, runtime);
  }

  /** The socket opened last. */
  get socket(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error("no socket opened yet");
    return socket;
  }

  goOnline(): void {
    this.offline = false;
    this.#online();
  }

  goOffline(): void {
    this.offline = true;
    this.#offline();
  }

  /** Accepts the last socket and welcomes it. */
  welcome(frame: Partial<WelcomeFrame> = {}): FakeSocket {
    const socket = this.socket;
    socket.accept();
    socket.receive({
      type: "welcome",
      room: "lobby",
      name: "Ann",
      online: ["Ann"],
      onlineCount: 1,
      history: [],
      lastSeq: 0,
      moderators: [],
      slowSeconds: 0,
      locked: false,
      more: false,
      role: "member",
      ...frame,
    });
    return socket;
  }

  states(): string[] {
    return this.events.flatMap((e) => (e[0] === "state" ? [e[1]] : []));
  }

  /** Seqs passed on as messages or changes, in the order the page got them. */
  seqs(): number[] {
    return this.events.flatMap((e) => (e[0] === "message" || e[0] === "change" ? [e[1].seq] : []));
  }

  /** Seqs of our own entries the room stored, in order. */
  storedOwn(): number[] {
    return this.events.flatMap((e) => (e[0] === "outbox" && e[2] ? [e[2].seq] : []));
  }

  eventsNamed<K extends keyof ChatEvents>(name: K): Extract<Recorded, [K, ...unknown[]]>[] {
    return this.events.filter((e): e is Extract<Recorded, [K, ...unknown[]]> => e[0] === name);
  }
}

let ts = 1_700_000_000_000;

export function message(seq: number, name = "Bo", text = `message ${seq}`, id = `m${seq}`): ChatMessage {
  return { type: "message", seq, id, name, text, ts: ts++ };
}

export function history(from: number, to: number): LogEvent[] {
  const events: LogEvent[] = [];
  for (let seq = from; seq <= to; seq++) events.push(message(seq));
  return events;
}
