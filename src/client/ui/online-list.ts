import { byId, el } from "./dom";
import { labelledButton } from "./message-item";

// Who is online. A big room lists the first names only; the count is always
// everyone. Moderators get Kick and Ban beside everyone but themselves.

export type OnlineSnapshot = { online: string[]; onlineCount: number };
export type OnlineActions = { kick(name: string): void; ban(name: string): void };

export class OnlineList {
  readonly #list = byId("online", HTMLUListElement);
  readonly #count = byId("online-count", HTMLElement);
  readonly #me: () => string;
  readonly #moderator: () => boolean;
  readonly #actions: OnlineActions;
  #last: OnlineSnapshot = { online: [], onlineCount: 0 };

  constructor(me: () => string, moderator: () => boolean, actions: OnlineActions) {
    this.#me = me;
    this.#moderator = moderator;
    this.#actions = actions;
  }

  show(snapshot: OnlineSnapshot = this.#last): void {
    this.#last = { online: snapshot.online, onlineCount: snapshot.onlineCount };
    const { online, onlineCount } = this.#last;
    const moderator = this.#moderator();
    const items = online.map((name) => {
      const me = name === this.#me();
      const item = el("li", me ? "me" : undefined);
      const person = el("span", "person", name);
      person.dir = "auto";
      item.append(person);
      if (moderator && !me) {
        const bar = el("span", "person-actions");
        bar.append(
          labelledButton("Kick", () => this.#actions.kick(name)),
          labelledButton("Ban", () => this.#actions.ban(name)),
        );
        item.append(bar);
      }
      return item;
    });
    if (onlineCount > online.length) items.push(el("li", "more", `and ${onlineCount - online.length} more`));
    this.#list.replaceChildren(...items);
    this.#count.textContent = String(onlineCount);
  }
}
