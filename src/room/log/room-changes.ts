import type { LogEvent, ModerationRequest } from "../../shared";
import { nameSkeleton } from "../../shared";
import type { MessageStore, Refused } from "./message-store";
import type { Moderation } from "./moderation";
import type { NameClaims } from "./name-claims";
import type { RoomRules } from "./room-rules";

/** Who asks for a change, as the room knows them now. */
export type Actor = { identity: string; name: string; moderator: boolean };

/** The deployer, acting through `POST /api/rooms/<room>/moderation`. */
export const ADMIN: Actor = { identity: "admin", name: "an administrator", moderator: true };

export type Change =
  | { type: "edit"; target: number; text: string }
  | { type: "delete"; target: number }
  | ({ type: "moderate" } & ModerationRequest);

type PersonChange = Extract<Change, { name: string }>;

export type ChangesRoom = {
  readonly store: MessageStore;
  readonly moderation: Moderation;
  readonly names: NameClaims;
  readonly rules: RoomRules;
  /** The (hashed) address someone connects from now, or last came from ("" when unknown). */
  addressOf(identity: string): string;
  /** Tells every socket of this person why, then closes them. */
  removePerson(identity: string, code: "banned" | "kicked", message: string, retryAfterMs?: number): void;
};

export const REFUSED_MESSAGES = {
  not_found: "there is no such message or person here (it may have been deleted)",
  forbidden: "you may not do that here",
} as const satisfies Record<Refused["refused"], string>;

/**
 * Edits, deletions and moderation. Each is checked against who acts, at the
 * moment they act (their role, the room's owner, the target), written to the
 * log as one event, and carried out: a kick or a ban closes the person's
 * sockets. Throws NotStoredError when the event could not be written.
 */
export class RoomChanges {
  readonly #room: ChangesRoom;

  constructor(room: ChangesRoom) {
    this.#room = room;
  }

  apply(actor: Actor, clientId: string, change: Change, now: number): LogEvent | Refused {
    const store = this.#room.store;
    switch (change.type) {
      case "edit":
        return store.edit(actor.identity, clientId, change.target, change.text, now);
      case "delete":
        return store.remove(actor, clientId, change.target, now);
      case "moderate":
        return this.#moderate(actor, clientId, change, now);
    }
  }

  /** Kick, ban, unban, promote, demote, or a room rule. Not for members; see each for more. */
  #moderate(actor: Actor, clientId: string, change: Extract<Change, { type: "moderate" }>, now: number) {
    if (!actor.moderator) return { refused: "forbidden" } as const;
    switch (change.action) {
      case "slow":
      case "lock":
      case "unlock":
        return this.#roomRule(actor, clientId, change, now);
      case "promote":
      case "demote":
        return this.#appoint(actor, clientId, change, now);
      default:
        return this.#onPerson(actor, clientId, change, now);
    }
  }

  /** Slow mode and the lock: any moderator's. */
  #roomRule(
    actor: Actor,
    clientId: string,
    change: Extract<Change, { action: "slow" | "lock" | "unlock" }>,
    now: number,
  ): LogEvent {
    const { store, rules } = this.#room;
    let applied = () => {};
    const carryOut = () => {
      if (change.action === "slow") applied = rules.setSlow(change.seconds);
      else applied = rules.setLocked(change.action === "lock");
    };
    const amount = change.action === "slow" ? change.seconds : undefined;
    const what =
      amount === undefined ? { action: change.action, name: "" } : { action: change.action, name: "", amount };
    const event = store.moderation(actor, clientId, what, now, carryOut);
    applied();
    return event;
  }

  /** Only the owner (device mode) appoints moderators or takes it back; never themselves. */
  #appoint(actor: Actor, clientId: string, change: PersonChange, now: number): LogEvent | Refused {
    const { store, moderation, names, rules } = this.#room;
    if (actor.identity !== moderation.owner()) return { refused: "forbidden" };
    const target = names.identityOf(nameSkeleton(change.name), now);
    if (!target) return { refused: "not_found" };
    if (target.identity === actor.identity || !target.identity.startsWith("d:")) return { refused: "forbidden" };
    if (change.action === "demote" && !rules.isAppointed(target.identity)) return { refused: "not_found" };
    let applied = () => {};
    const carryOut = () => {
      applied =
        change.action === "promote" ? rules.appoint(target.identity, target.name, now) : rules.dismiss(target.identity);
    };
    const event = store.moderation(actor, clientId, { action: change.action, name: target.name }, now, carryOut);
    applied();
    return event;
  }

  /**
   * Kick, ban or unban. Never on oneself; on the owner only for the deployer,
   * and on a moderator only for the owner or the deployer.
   */
  #onPerson(actor: Actor, clientId: string, change: PersonChange, now: number): LogEvent | Refused {
    const { moderation, names, rules, store } = this.#room;
    const skeleton = nameSkeleton(change.name);
    if (change.action === "unban") {
      if (!moderation.hasBan(skeleton)) return { refused: "not_found" };
      const what = { action: change.action, name: change.name };
      return store.moderation(actor, clientId, what, now, () => moderation.unban(skeleton));
    }
    const target = names.identityOf(skeleton, now);
    if (!target) return { refused: "not_found" };
    const owner = moderation.owner();
    const onOwner = target.identity === owner && actor !== ADMIN;
    const onModerator = rules.isAppointed(target.identity) && actor !== ADMIN && actor.identity !== owner;
    if (target.identity === actor.identity || onOwner || onModerator) return { refused: "forbidden" };
    const shown = target.name;
    // A ban and its event are stored together or not at all; only then is anyone removed.
    const until = change.minutes === undefined ? null : now + change.minutes * 60_000;
    const ban = () =>
      moderation.ban({
        identity: target.identity,
        skeleton,
        name: shown,
        until,
        address: this.#room.addressOf(target.identity),
        by: actor.name,
        ts: now,
      });
    const isBan = change.action === "ban";
    const what =
      isBan && change.minutes !== undefined
        ? { action: change.action, name: shown, amount: change.minutes }
        : { action: change.action, name: shown };
    const event = store.moderation(actor, clientId, what, now, isBan ? ban : undefined);
    if (isBan) {
      const length =
        change.minutes === undefined ? "" : ` for ${change.minutes} minute${change.minutes === 1 ? "" : "s"}`;
      const message = `you were banned from this room by ${actor.name}${length}`;
      this.#room.removePerson(target.identity, "banned", message, until === null ? undefined : until - now);
    } else {
      this.#room.removePerson(target.identity, "kicked", `you were removed from this room by ${actor.name}`);
    }
    return event;
  }
}
