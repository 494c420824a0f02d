import { CLOSE_CODES, type Joiner } from "../shared";
import type { Connections } from "./connections";
import { errorFrame } from "./frame-check";
import type { Moderation } from "./log/moderation";
import type { NameClaims } from "./log/name-claims";
import type { RoomRules } from "./log/room-rules";
import type { Members } from "./members";
import type { RoomConfig } from "./room-config";

/** Why the room turns someone away: sent as an `error` frame, or by the worker as HTTP. */
export type RoomRefusal = {
  code: "room_full" | "too_many_connections" | "name_taken" | "banned" | "locked";
  message: string;
  /** A ban with an end: how long until it ends. */
  retryAfterMs?: number;
};

export const BANNED = "you are banned from this room";

/** Signed-in identities (`AUTH = "jwt"`): their token names the person, never refused as taken. */
const isSignedIn = (identity: string) => identity.startsWith("j:");

/**
 * Who may join a room now, checked in one order: room full, too many
 * sockets from the address, banned (the identity, or an address ban for
 * someone new to the room), locked (someone new to the room), then the name. The upgrade runs it and so does
 * the worker's pre-flight, so both always agree.
 */
export class Admission {
  readonly #config: RoomConfig;
  readonly #connections: Connections;
  readonly #moderation: Moderation;
  readonly #names: NameClaims;
  readonly #members: Members;
  readonly #rules: RoomRules;

  constructor(
    config: RoomConfig,
    parts: { connections: Connections; moderation: Moderation; names: NameClaims; members: Members; rules: RoomRules },
  ) {
    this.#config = config;
    this.#connections = parts.connections;
    this.#moderation = parts.moderation;
    this.#names = parts.names;
    this.#members = parts.members;
    this.#rules = parts.rules;
  }

  /** Why this person may not join now, or null. */
  check(joiner: Joiner, now: number): RoomRefusal | null {
    const { socketLimit, perAddress } = this.#config;
    if (this.#connections.size >= socketLimit) {
      return { code: "room_full", message: `this room is full (${socketLimit} connections); try again later` };
    }
    if (joiner.address !== "" && this.#connections.fromAddress(joiner.address) >= perAddress) {
      return {
        code: "too_many_connections",
        message: `your network already has ${perAddress} connections to this room; close some tabs or try again later`,
      };
    }
    const ends = this.#moderation.banEnds(joiner.identity, now);
    if (typeof ends === "number") {
      const minutes = Math.ceil((ends - now) / 60_000);
      return {
        code: "banned",
        message: `${BANNED} for another ${minutes} minute${minutes === 1 ? "" : "s"}`,
        retryAfterMs: ends - now,
      };
    }
    if (ends === null || this.#addressBanned(joiner, now)) return { code: "banned", message: BANNED };
    // A signed-in moderator (their token says so) may still come in to help.
    if (this.#rules.locked && joiner.role !== "moderator" && this.#members.get(joiner.identity) === null) {
      return { code: "locked", message: "this room is locked: only people who have been here before may join" };
    }
    // A signed-in person's name is never refused: the room shows it with a suffix instead.
    if (!isSignedIn(joiner.identity) && this.#names.heldByOther(joiner.identity, joiner.skeleton, now)) {
      // A name held by someone who is not here now is reserved for them, not in use.
      const holder = this.#names.identityOf(joiner.skeleton, now);
      const here = holder !== null && this.#connections.isConnected(holder.identity);
      const who = here
        ? `someone else in this room goes by "${joiner.name}"`
        : `"${joiner.name}" is reserved by someone who used it here recently`;
      return { code: "name_taken", message: `${who} (or a name that looks like it); pick another name` };
    }
    return null;
  }

  /** The joiner as the room will show them: a signed-in name someone else holds gets a suffix. */
  shown(joiner: Joiner, now: number): Joiner {
    if (!isSignedIn(joiner.identity)) return joiner;
    return { ...joiner, ...this.#names.suffixed(joiner.identity, joiner.name, joiner.skeleton, now) };
  }

  /** A ban on an address refuses identities that first joined the room after it, and sockets without a key. */
  #addressBanned(joiner: Joiner, now: number): boolean {
    const since = this.#moderation.addressBannedSince(joiner.address, now);
    if (since === null) return false;
    const firstSeen = this.#members.get(joiner.identity)?.firstSeen;
    return firstSeen === undefined || firstSeen >= since;
  }
}

/** Accepted without hibernation only to say why, then closed: browsers cannot read an HTTP error. */
export function refuse({ code, message, retryAfterMs }: RoomRefusal): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.send(JSON.stringify(errorFrame(code, message, undefined, retryAfterMs)));
  const later = code === "room_full" || code === "too_many_connections";
  server.close(later ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.policyViolation, code);
  return new Response(null, { status: 101, webSocket: client });
}
