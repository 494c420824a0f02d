import { byId, el } from "./dom";
import { labelledButton } from "./message-item";
import { badge, type RoomRoles } from "./room-roles";

// Who is online, with an "owner" / "moderator" badge by those names. A big
// room lists the first names only; the count is always everyone. Moderators
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
    const { online, onlineCount } = this.#last;
    const viewer = this.#viewer;
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
}
