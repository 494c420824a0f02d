import { byId, el } from "./dom";
import { labelledButton } from "./message-item";
import { badge, type RoomRoles } from "./room-roles";

// Who is online, with an "owner" / "moderator" badge by those names. A big
// room lists some names only (those who spoke last first, and this person
// always), then "and N more"; the count is always everyone. Moderators
// get Kick and Ban beside everyone but themselves; the owner also gets Make
// moderator (or Remove moderator).

export type OnlineSnapshot = { online: string[]; onlineCount: number };
export type OnlineActions = {
  kick(name: string): void;
  ban(name: string): void;
  promote(name: string): void;
  demote(name: string): void;
};
export type OnlineViewer = { me(): string; moderator(): boolean; owner(): boolean; roles: RoomRoles };

export class OnlineList {
  readonly #list = byId("online", HTMLUListElement);
  readonly #count = byId("online-count", HTMLElement);
  readonly #viewer: OnlineViewer;
  readonly #actions: OnlineActions;
  #last: OnlineSnapshot = { online: [], onlineCount: 0 };

  constructor(viewer: OnlineViewer, actions: OnlineActions) {
    this.#viewer = viewer;
    this.#actions = actions;
  }

  show(snapshot: OnlineSnapshot = this.#last): void {
    this.#last = { online: snapshot.online, onlineCount: snapshot.onlineCount };
    const { onlineCount } = this.#last;
    const viewer = this.#viewer;
    const self = viewer.me();
    // A list cut short may leave this person out: they are here, so they are shown.
    const listed = this.#last.online;
    const cut = onlineCount > listed.length && self !== "" && !listed.includes(self);
    const online = cut ? [self, ...listed] : listed;
    const items = online.map((name) => {
      const me = name === viewer.me();
      const item = el("li", me ? "me" : undefined);
      const person = el("span", "person", name);
      person.dir = "auto";
      const role = viewer.roles.badgeOf(name);
      item.append(person);
      const mark = badge(role);
      if (mark) item.append(mark);
      if (viewer.moderator() && !me && role !== "owner") {
        const bar = el("span", "person-actions");
        if (viewer.owner() || role === null) {
          bar.append(
            labelledButton("Kick", () => this.#actions.kick(name), `Kick ${name}`),
            labelledButton("Ban", () => this.#actions.ban(name), `Ban ${name}`),
          );
        }
        if (viewer.owner()) {
          bar.append(
            role === "moderator"
              ? labelledButton("Remove moderator", () => this.#actions.demote(name), `Remove ${name} as moderator`)
              : labelledButton("Make moderator", () => this.#actions.promote(name), `Make ${name} a moderator`),
          );
        }
        item.append(bar);
      }
      return item;
    });
    if (onlineCount > online.length) items.push(el("li", "more", `and ${onlineCount - online.length} more`));
    this.#list.replaceChildren(...items);
    this.#count.textContent = String(onlineCount);
  }

  /** A big room's new count: the names listed stay as they were, "and N more" follows the count. */
  count(onlineCount: number): void {
    this.show({ online: this.#last.online, onlineCount });
  }
}
