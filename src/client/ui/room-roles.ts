import type { ModerationEvent, WelcomeFrame } from "../../shared";
import { el } from "./dom";

export type Badge = "owner" | "moderator";

/**
 * What the page knows of the room's rules (version 3): who moderates (the
 * owner first), slow mode and the lock, from `welcome` and then from each
 * moderation event. Badges by names in the Online list and on messages read it.
 */
export class RoomRoles {
  moderators: string[] = [];
  slowSeconds = 0;
  locked = false;
  #hasOwner = false;
  readonly #changed: () => void;

  constructor(changed: () => void) {
    this.#changed = changed;
  }

  welcome(frame: WelcomeFrame): void {
    this.moderators = [...frame.moderators];
    // Only the owner appoints, so a list that is not empty starts with the owner (signed-in rooms have none).
    this.#hasOwner = frame.moderators.length > 0;
    this.slowSeconds = frame.slowSeconds;
    this.locked = frame.locked;
    this.#changed();
  }

  /** A moderation event: promote, demote, slow, lock and unlock change the rules. */
  apply(event: Pick<ModerationEvent, "action" | "name" | "seconds">): void {
    switch (event.action) {
      case "promote":
        if (!this.moderators.includes(event.name)) this.moderators.push(event.name);
        break;
      case "demote":
        this.moderators = this.moderators.filter((name, i) => name !== event.name || (i === 0 && this.#hasOwner));
        break;
      case "slow":
        this.slowSeconds = event.seconds ?? 0;
        break;
      case "lock":
      case "unlock":
        this.locked = event.action === "lock";
        break;
      default:
        return;
    }
    this.#changed();
  }

  badgeOf(name: string): Badge | null {
    const at = this.moderators.indexOf(name);
    if (at === -1) return null;
    return at === 0 && this.#hasOwner ? "owner" : "moderator";
  }
}

/** The "owner" / "moderator" mark by a name, or null for everyone else. */
export function badge(kind: Badge | null): HTMLElement | null {
  return kind === null ? null : el("span", `badge badge-${kind}`, kind);
}

/** Puts the sender's badge (or none) on a message item. */
function markMessage(item: Element, roles: RoomRoles): void {
  if (!(item instanceof HTMLLIElement) || !item.classList.contains("message")) return;
  const name = item.dataset.sender;
  if (name === undefined) return;
  item.querySelector(".meta .badge")?.remove();
  const mark = badge(roles.badgeOf(name));
  if (mark) item.querySelector(".meta .sender")?.after(mark);
}

/** Badges on every message in the log, now and as they are added; call the result when roles change. */
export function watchBadges(list: HTMLElement, roles: RoomRoles): () => void {
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes) if (node instanceof Element) markMessage(node, roles);
  }).observe(list, { childList: true });
  return () => {
    for (const item of list.children) markMessage(item, roles);
  };
}
