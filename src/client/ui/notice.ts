import { byId, el } from "./dom";

// The notice above the log: what happened and what to do about it, with a
// button that acts here (Rejoin) or a link away (to sign in).

/** What the notice offers: a button that acts here, or a link away (to sign in). */
export type NoticeAction = { label: string; run: () => void } | { label: string; href: string };

export class Notice {
  readonly #box = byId("notice", HTMLElement);
  readonly #text = byId("notice-text", HTMLElement);
  readonly #action = byId("notice-action", HTMLButtonElement);
  // Made here, not in the markup: a link without an address is no link.
  readonly #link = el("a", "notice-link");

  constructor() {
    this.#link.hidden = true;
    this.#action.after(this.#link);
  }

  /** Shows `text` ("" hides the notice) and at most one action. */
  show(text: string, action?: NoticeAction): void {
    this.#text.textContent = text;
    this.#box.hidden = text === "";
    const run = action && "run" in action ? action : undefined;
    const link = action && "href" in action ? action : undefined;
    this.#action.hidden = !run;
    this.#action.textContent = run?.label ?? "";
    this.#action.onclick = run ? run.run : null;
    this.#link.hidden = !link;
    this.#link.textContent = link?.label ?? "";
    if (link) this.#link.href = link.href;
    else this.#link.removeAttribute("href");
  }
}
