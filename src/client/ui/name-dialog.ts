import { charLength, LIMITS, parseName } from "../../shared";
import { byId } from "./dom";

// "Your name" and "Enter": the first time in a room (in the page, nothing
// else shown), and later in a modal (Change name, a name someone else holds).

export type NameRequest = {
  value: string;
  /** Said under the box: why another name is needed. */
  error?: string;
  /** Over the chat, with a Cancel button (the person may keep their name). */
  modal: boolean;
};

export class NameDialog {
  readonly #dialog = byId("join", HTMLDialogElement);
  readonly #form = byId("name-form", HTMLFormElement);
  readonly #input = byId("name-input", HTMLInputElement);
  readonly #error = byId("name-error", HTMLElement);
  readonly #cancel = byId("name-cancel", HTMLButtonElement);

  /** `chosen`: a valid name, trimmed; the person pressed Enter. */
  constructor(chosen: (name: string) => void) {
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = parseName(this.#input.value);
      // A pasted name that is too long is said to be, never cut short without a word.
      const length = charLength(this.#input.value.trim());
      if (length > LIMITS.nameMax) {
        this.#say(`Your name is ${length} characters long: it can be at most ${LIMITS.nameMax}.`);
        return;
      }
      if (!name.ok) {
        this.#say(`Your name ${name.message.replace(/^name /, "")}.`);
        return;
      }
      this.#say("");
      chosen(name.value);
    });
    this.#cancel.addEventListener("click", () => this.close());
    this.#input.addEventListener("input", () => this.#input.removeAttribute("aria-invalid"));
  }

  open(request: NameRequest): void {
    const dialog = this.#dialog;
    if (dialog.open && dialog.matches(":modal") !== request.modal) dialog.close();
    this.#input.value = request.value;
    this.#say(request.error ?? "");
    this.#cancel.hidden = !request.modal;
    dialog.classList.toggle("inline", !request.modal);
    if (!dialog.open) {
      if (request.modal) dialog.showModal();
      else dialog.show();
    }
    this.#input.focus();
    this.#input.select();
  }

  close(): void {
    if (this.#dialog.open) this.#dialog.close();
  }

  get isOpen(): boolean {
    return this.#dialog.open;
  }

  #say(text: string): void {
    this.#error.textContent = text;
    if (text === "") this.#input.removeAttribute("aria-invalid");
    else this.#input.setAttribute("aria-invalid", "true");
  }
}
