import type { LogEvent, ModerationAction } from "../../shared";
import { nameSkeleton } from "../../shared";
import type { MessageStore, Refused } from "./message-store";
import type { Moderation } from "./moderation";
import type { NameClaims } from "./name-claims";

/** Who asks for a change, as the room knows them now. */
export type Actor = { identity: string; name: string; moderator: boolean };

/** The deployer, acting through `POST /api/rooms/<room>/moderation`. */
export const ADMIN: Actor = { identity: "admin", name: "an administrator", moderator: true };

export type Change =
  | { type: "edit"; target: number; text: string }
  | { type: "delete"; target: number }
  | { type: "moderate"; action: ModerationAction; name: string; minutes?: number };

export type ChangesRoom = {
  readonly store: MessageStore;
  readonly moderation: Moderation;
  readonly names: NameClaims;
  /** The (hashed) address someone connects from now, or last came from ("" when unknown). */
  addressOf(identity: string): string;
  /** Tells every socket of this person why, then closes them. */
  removePerson(identity: string, code: "banned" | "kicked", message: string): void;
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

  /** Kick, ban or unban. Not for members, never on oneself, and on the owner only for the deployer. */
  #moderate(
    actor: Actor,
    clientId: string,
    change: Extract<Change, { type: "moderate" }>,
    now: number,
  ): LogEvent | Refused {
    if (!actor.moderator) return { refused: "forbidden" };
    const { moderation, names } = this.#room;
    const store = this.#room.store;
    const skeleton = nameSkeleton(change.name);
    if (change.action === "unban") {
      if (!moderation.hasBan(skeleton)) return { refused: "not_found" };
      return store.moderation(actor, clientId, change.action, change.name, now, () => moderation.unban(skeleton));
    }
    const target = names.identityOf(skeleton, now);
    if (!target) return { refused: "not_found" };
    const onOwner = target.identity === moderation.owner() && actor !== ADMIN;
    if (target.identity === actor.identity || onOwner) return { refused: "forbidden" };
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
    const event = store.moderation(
      actor,
      clientId,
      change.action,
      shown,
      now,
      change.action === "ban" ? ban : undefined,
    );
    if (change.action === "ban") {
      this.#room.removePerson(target.identity, "banned", `you were banned from this room by ${actor.name}`);
    } else {
      this.#room.removePerson(target.identity, "kicked", `you were removed from this room by ${actor.name}`);
    }
    return event;
  }
}
