import type { BanEntry } from "../../shared";
import { durationText, intervalText } from "../text/moderation-text";
import { byId, el } from "./dom";
import { labelledButton } from "./message-item";
import type { RoomRoles } from "./room-roles";

export type RoomToolActions = {
  slow(seconds: number): void;
  lock(locked: boolean): void;
  unban(name: string): void;
  /** Asks the room for its bans; they come back to `showBans`. */
  askBans(): void;
};

/**
 * The moderators' tools beside the Online list: Slow mode, Lock room and the
 * Bans panel with Unban on each. For everyone, a line over the message box
 * says when slow mode is on or the room is locked.
 */
export class RoomTools {
  readonly #panel = byId("room-tools", HTMLDetailsElement);
  readonly #slow = byId("slow-mode", HTMLSelectElement);
  readonly #lock = byId("lock-room", HTMLInputElement);
  readonly #bans = byId("bans-list", HTMLUListElement);
  readonly #rules = byId("room-rules", HTMLElement);
  readonly #actions: RoomToolActions;

  constructor(actions: RoomToolActions) {
    this.#actions = actions;
    this.#slow.addEventListener("change", () => actions.slow(Number(this.#slow.value)));
    this.#lock.addEventListener("change", () => actions.lock(this.#lock.checked));
    this.#panel.addEventListener("toggle", () => {
      if (this.#panel.open) actions.askBans();
    });
  }

  /** Shows the rules as they are now; the tools only to moderators. */
  show(roles: RoomRoles, moderator: boolean): void {
    this.#panel.hidden = !moderator;
    const seconds = String(roles.slowSeconds);
    if (![...this.#slow.options].some((o) => o.value === seconds)) {
      this.#slow.append(new Option(`One message ${intervalText(roles.slowSeconds)}`, seconds));
    }
    this.#slow.value = seconds;
    this.#lock.checked = roles.locked;
    const lines: string[] = [];
    if (roles.slowSeconds > 0) lines.push(`Slow mode is on: one message ${intervalText(roles.slowSeconds)} each.`);
    if (roles.locked) lines.push("The room is locked: only people who have been here before can join.");
    this.#rules.textContent = lines.join(" ");
    this.#rules.hidden = lines.length === 0;
  }

  /** Bans changed in the room: a panel that is open asks again. */
  bansChanged(): void {
    if (this.#panel.open && !this.#panel.hidden) this.#actions.askBans();
  }

  showBans(bans: BanEntry[]): void {
    if (bans.length === 0) {
      this.#bans.replaceChildren(el("li", "help", "Nobody is banned."));
      return;
    }
    this.#bans.replaceChildren(
      ...bans.map((ban) => {
        const item = el("li");
        const who = el("span", "person", ban.name);
        who.dir = "auto";
        item.append(
          who,
          ` ${banLength(ban)} `,
          labelledButton("Unban", () => this.#actions.unban(ban.name), `Unban ${ban.name}`),
        );
        return item;
      }),
    );
  }
}

/** "until unbanned, by Alice" or "until 14:05, by Alice". */
function banLength(ban: BanEntry): string {
  if (ban.until === null) return `(until unbanned, by ${ban.by})`;
  const minutes = Math.round((ban.until - ban.ts) / 60_000);
  const ends = new Date(ban.until).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return `(${durationText(Math.max(1, minutes))} by ${ban.by}, ends ${ends})`;
}
