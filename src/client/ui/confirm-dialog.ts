import { LIMITS } from "../../shared";
import { byId } from "./dom";

// "Are you sure?" for what cannot be undone (a deletion, a kick, a ban), in a
// modal <dialog> with Cancel and Confirm; a ban also asks for how long.

export type Confirmation = { title: string; text: string; askBanLength?: boolean };
/** Confirmed; `minutes` is the chosen ban length (absent: until unbanned). */
export type Confirmed = { minutes?: number };

export class ConfirmDialog {
  readonly #dialog = byId("confirm", HTMLDialogElement);
  readonly #title = byId("confirm-title", HTMLElement);
  readonly #text = byId("confirm-text", HTMLElement);
  readonly #banRow = byId("ban-length-row", HTMLElement);
  readonly #banLength = byId("ban-length", HTMLSelectElement);
  #settle: ((answer: Confirmed | null) => void) | null = null;

  constructor() {
    this.#dialog.addEventListener("close", () => {
      const confirmed = this.#dialog.returnValue === "confirm";
      const settle = this.#settle;
      this.#settle = null;
      if (!settle) return;
      if (!confirmed) {
        settle(null);
        return;
      }
      const minutes = Number(this.#banLength.value);
      const banned = !this.#banRow.hidden && Number.isSafeInteger(minutes) && minutes > 0;
      settle(banned ? { minutes: Math.min(minutes, LIMITS.banMinutesMax) } : {});
    });
  }

  /** Resolves with the answer once the dialog closes; null when cancelled. */
  ask(question: Confirmation): Promise<Confirmed | null> {
    this.#settle?.(null);
    this.#title.textContent = question.title;
    this.#text.textContent = question.text;
    this.#banRow.hidden = question.askBanLength !== true;
    this.#banLength.value = "";
    this.#dialog.returnValue = "";
    return new Promise((resolve) => {
      this.#settle = resolve;
      if (!this.#dialog.open) this.#dialog.showModal();
    });
  }
}
