import { el } from "./dom";

/** The reactions offered by the picker: common ones, one click away. */
export const COMMON_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"] as const;

type Names = Map<string, string[]>;

/**
 * Each message's reactions as buttons under its words: the emoji and how many,
 * pressed when one is yours (a click takes it off, or puts it on), who reacted
 * in the title and the accessible name. A small picker of common emoji opens
 * from "React", reachable by keyboard (Tab through, Escape closes).
 */
export class ReactionsView {
  readonly #state = new Map<number, Names>();
  readonly #itemOf: (seq: number) => HTMLLIElement | undefined;
  readonly #me: () => string;
  readonly #toggle: (seq: number, emoji: string, on: boolean) => void;

  constructor(
    itemOf: (seq: number) => HTMLLIElement | undefined,
    me: () => string,
    toggle: (seq: number, emoji: string, on: boolean) => void,
  ) {
    this.#itemOf = itemOf;
    this.#me = me;
    this.#toggle = toggle;
  }

  /** A message in its current state. */
  set(seq: number, reactions: Record<string, string[]> | undefined): void {
    this.#state.set(seq, new Map(Object.entries(reactions ?? {})));
    this.#render(seq);
  }

  /** Someone's reaction put on or taken off; the same news twice changes nothing. */
  apply(seq: number, emoji: string, name: string, on: boolean): void {
    const names = this.#state.get(seq);
    if (!names) return;
    const list = (names.get(emoji) ?? []).filter((n) => n !== name);
    if (on) list.push(name);
    if (list.length > 0) names.set(emoji, list);
    else names.delete(emoji);
    this.#render(seq);
  }

  /** The message was deleted: its reactions went with it. */
  clear(seq: number): void {
    this.#state.set(seq, new Map());
    this.#render(seq);
  }

  /** Whether this person's `emoji` is on the message. */
  isMine(seq: number, emoji: string): boolean {
    return this.#state.get(seq)?.get(emoji)?.includes(this.#me()) === true;
  }

  openPicker(seq: number): void {
    const item = this.#itemOf(seq);
    if (!item) return;
    const open = item.querySelector<HTMLElement>(".picker");
    if (open) {
      open.remove();
      return;
    }
    const picker = el("div", "picker");
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Pick a reaction");
    const close = () => {
      picker.remove();
      item.querySelector<HTMLElement>('.actions [data-label="React"]')?.focus();
    };
    for (const emoji of COMMON_EMOJI) {
      const button = el("button", "emoji", emoji);
      button.type = "button";
      button.setAttribute("aria-label", `React with ${emoji}`);
      button.addEventListener("click", () => {
        this.#toggle(seq, emoji, !this.isMine(seq, emoji));
        close();
      });
      picker.append(button);
    }
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    item.append(picker);
    picker.querySelector("button")?.focus();
  }

  #render(seq: number): void {
    const item = this.#itemOf(seq);
    if (!item) return;
    item.querySelector(".reactions")?.remove();
    const names = this.#state.get(seq);
    if (!names || names.size === 0) return;
    const bar = el("div", "reactions");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Reactions");
    const me = this.#me();
    for (const [emoji, who] of names) {
      const mine = who.includes(me);
      const button = el("button", "reaction", `${emoji} ${who.length}`);
      button.type = "button";
      button.title = who.join(", ");
      button.setAttribute("aria-pressed", String(mine));
      const verb = mine ? "take yours off" : "add yours";
      button.setAttribute("aria-label", `${emoji} ${who.length}: ${who.join(", ")}. Press to ${verb}.`);
      button.addEventListener("click", () => this.#toggle(seq, emoji, !mine));
      bar.append(button);
    }
    const text = item.querySelector(".edited") ?? item.querySelector(".text");
    if (text) text.after(bar);
    else item.append(bar);
  }
}
