import { CLOSE_CODES, type ClientMessage } from "../../shared";
import { reconnectDelay } from "./backoff";
import type { ChatEvents, ConnectionOptions, ConnectionState } from "./events";
import { ReceivedReporter } from "./received-reporter";
import { askWhy, type Refusal, refusalKind } from "./refusal";
import type { Runtime, Socket } from "./runtime";

const HEARTBEAT_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
// A network that made too many attempts is told to wait a minute.
const TOO_MANY_REQUESTS_WAIT_MS = 60_000;
// WebSocket.OPEN, without needing the WebSocket class.
const OPEN = 1;
const STATE_OF_REFUSAL: Record<string, ConnectionState> = {
  room_full: "full",
  too_many_connections: "busy",
  too_many_requests: "limited",
};

/** What the room's sync hears from the socket's life. */
export type SocketHooks = {
  /** A new socket is opening: nothing of the last one's exchange carries over. */
  opening(): void;
  /** The socket is gone (closed, dropped or refused). */
  closed(): void;
  /** A text frame from the room, other than `pong`. */
  receive(data: string): void;
  /** The last seq the page holds, for `since` in the next socket's URL. */
  since(): number;
};

/**
 * The room socket's life: one socket at a time (only the current one's events
 * count), reopened with jittered backoff after a drop, a heartbeat once
 * welcomed, and `received` reports per socket.
 *
 * A socket refused before its `welcome` is asked why (`askWhy`); refusals that
 * will not pass by themselves (a taken name, a ban, a missing sign-in) stop
 * the reconnecting until the page says to go on (`resume`, `useName`).
 */
export class RoomSocket {
  readonly #base: URL;
  readonly #runtime: Runtime;
  readonly #events: Pick<ChatEvents, "state" | "refused">;
  readonly #hooks: SocketHooks;
  #name: string | null;
  readonly #token: string | null;
  #socket: Socket | null = null;
  #reporter: ReceivedReporter | null = null;
  #welcomed = false;
  #everWelcomed = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** Said by the room in an `error` frame just before it closes this socket: the close acts on it. */
  #refusal: Refusal | null = null;
  /** The last question of why went unanswered (the server is down): not asked again until a welcome. */
  #unreachable = false;

  constructor(
    base: string,
    room: string,
    options: ConnectionOptions,
    events: Pick<ChatEvents, "state" | "refused">,
    hooks: SocketHooks,
    runtime: Runtime,
  ) {
    const url = new URL(`/api/rooms/${encodeURIComponent(room)}/ws`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.#base = url;
    this.#name = options.name;
    this.#token = options.token;
    this.#events = events;
    this.#hooks = hooks;
    this.#runtime = runtime;
    runtime.watchNetwork(
      () => this.#retryNow(),
      () => this.#drop(1000, "offline"),
    );
  }

  /** The name asked for, or the room's word for it since the last welcome; null while a sign-in gives it. */
  get name(): string | null {
    return this.#name;
  }

  /** The socket URL for this person now: name, token and `since`. */
  socketUrl(name = this.#name): URL {
    const url = new URL(this.#base);
    if (name !== null) url.searchParams.set("name", name);
    if (this.#token !== null) url.searchParams.set("token", this.#token);
    const since = this.#hooks.since();
    if (since > 0) url.searchParams.set("since", String(since));
    return url;
  }

  /** Welcomed and open: frames sent now reach the room. */
  isOpen(): boolean {
    return this.#welcomed && this.#socket?.readyState === OPEN;
  }

  send(frame: ClientMessage): void {
    this.#socket?.send(JSON.stringify(frame));
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  /** Goes on after a refusal that stopped it (Rejoin after a kick, a new name), or at once if waiting. */
  resume(): void {
    this.#stopped = false;
    this.#attempt = 0;
    if (this.#socket) return;
    this.#open();
  }

  /** Uses another name from the next socket on; reconnects now if connected. */
  useName(name: string): void {
    this.#name = name;
    if (this.#socket) this.#drop(CLOSE_CODES.normal, "new name");
    this.resume();
  }

  /** The room welcomed this socket under `name` ("" keeps the one asked); returns whether an earlier one was. */
  welcomed(name: string): boolean {
    const reconnected = this.#everWelcomed;
    this.#welcomed = true;
    this.#everWelcomed = true;
    this.#unreachable = false;
    this.#attempt = 0;
    // The room's spelling (NFKC), or the sign-in's name: always the room's word.
    this.#name = name || this.#name;
    this.#startHeartbeat();
    return reconnected;
  }

  /** A refusal the room said before closing this socket: the close acts on it. */
  refusedBeforeClose(refusal: Refusal): void {
    this.#refusal = refusal;
  }

  #open(): void {
    clearTimeout(this.#retryTimer);
    const url = this.socketUrl();
    this.#welcomed = false;
    this.#refusal = null;
    this.#hooks.opening();
    this.#events.state(this.#everWelcomed ? "reconnecting" : "connecting");
    let socket: Socket | null = null;
    // Per socket: a new socket's count starts from 0.
    const reporter = new ReceivedReporter((frame) => {
      if (socket !== null && socket === this.#socket && socket.readyState === OPEN) socket.send(frame);
    });
    socket = this.#runtime.openSocket(url, {
      message: (data) => {
        if (socket !== this.#socket) return;
        if (typeof data === "string") reporter.count(data);
        this.#receive(data);
      },
      close: (code) => {
        reporter.stop();
        if (socket === this.#socket) this.#closed(code, url);
      },
    });
    this.#socket = socket;
    this.#reporter?.stop();
    this.#reporter = reporter;
  }

  #receive(data: unknown): void {
    if (data === "pong") {
      clearTimeout(this.#pongDeadline);
      return;
    }
    if (typeof data === "string") this.#hooks.receive(data);
  }

  #closed(code: number, url?: URL): void {
    const welcomed = this.#welcomed;
    this.#socket = null;
    this.#welcomed = false;
    this.#hooks.closed();
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#pongDeadline);
    if (this.#stopped) return;
    this.#attempt++;
    if (this.#runtime.offline()) {
      this.#events.state("offline");
      return; // the "online" event brings us back
    }
    if (this.#refusal !== null) {
      this.#refused(this.#refusal);
      return;
    }
    this.#events.state("reconnecting");
    if (!welcomed && url && code !== CLOSE_CODES.normal && !this.#unreachable) {
      // Closed before the welcome and without a word: ask why, then decide.
      void askWhy(url, this.#runtime.fetch).then((answer) => {
        if (this.#stopped || this.#socket) return;
        // A server that is down answers nothing: no use asking again until it is back.
        if (answer === "unreachable") this.#unreachable = true;
        if (typeof answer === "object") this.#refused(answer);
        else this.#retryLater(false);
      });
      return;
    }
    this.#retryLater(false);
  }

  #refused(refusal: Refusal): void {
    const kind = refusalKind(refusal.code);
    if (kind === "name" || kind === "stop") {
      // Stopped first: the page may go on at once (another name, Rejoin).
      this.#stopped = true;
      this.#events.state("stopped");
      this.#events.refused(refusal);
      return;
    }
    this.#events.state(STATE_OF_REFUSAL[refusal.code] ?? "reconnecting");
    this.#events.refused(refusal);
    if (refusal.code === "too_many_requests") {
      this.#retryTimer = setTimeout(() => this.#open(), refusal.retryAfterMs ?? TOO_MANY_REQUESTS_WAIT_MS);
    } else {
      this.#retryLater(kind === "later");
    }
  }

  #retryLater(refused: boolean): void {
    clearTimeout(this.#retryTimer);
    // A drop after being connected (restart, deploy, "too far behind") is attempt 1: 0..1 s.
    this.#retryTimer = setTimeout(() => this.#open(), reconnectDelay(this.#attempt, refused));
  }

  /** Gives up on the socket now: a dead link's closing handshake may never finish. */
  #drop(code: number, reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    socket.close(code, reason);
    this.#closed(CLOSE_CODES.goingAway);
  }

  #retryNow(): void {
    if (this.#stopped || this.#socket) return;
    this.#open();
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => {
      if (!this.isOpen()) return;
      // A bare "ping", not a frame: the room answers it with "pong" without waking.
      this.#socket?.send("ping");
      // No pong in time: the connection is dead even if the browser has not noticed.
      this.#pongDeadline = setTimeout(() => this.#drop(4000, "heartbeat timeout"), HEARTBEAT_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }
}
