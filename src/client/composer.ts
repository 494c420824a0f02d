import { charLength, LIMITS } from "../protocol";
import { readText, writeText } from "./browser-store";

// The message box: Enter sends, Shift+Enter breaks the line; the draft is
// kept per room so a reload or a closed tab does not lose it; a counter shows
// near the limit, and the limit notice goes as soon as the text fits.

// The counter appears at 90% of the limit.
const COUNTER_FROM = Math.floor(LIMITS.textMax * 0.9);
const LIMIT_NOTICE = `Messages are at most ${LIMITS.textMax} characters.`;
// Control characters the room refuses (it keeps line breaks and tabs); invisible, so the page removes them on Edit.
const REFUSED_CONTROLS = /[^\P{Cc}\n\r\t]/gu;

export type ComposerParts = {
  form: HTMLFormElement;
  input: HTMLTextAreaElement;
  counter: HTMLElement;
  error: HTMLElement;
};

export class Composer {
  readonly #parts: ComposerParts;
  readonly #draftKey: string;
  #limitShown = false;
  onSend: (text: string) => void = () => {};
  onTyping: () => void = () => {};

  constructor(parts: ComposerParts, room: string) {
    this.#parts = parts;
    this.#draftKey = `parley:draft:${room}`;
    const { form, input } = parts;
    input.value = readText(this.#draftKey) ?? "";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      }
    });
    input.addEventListener("input", () => {
      writeText(this.#draftKey, input.value);
      this.#changed();
      if (input.value.trim() !== "") this.onTyping();
    });
    this.#changed();
  }

  /** Puts a message back in the box to change it (Edit on a failed message). */
  edit(text: string): void {
    const { input } = this.#parts;
    const cleaned = text.replace(REFUSED_CONTROLS, " ");
    input.value = input.value.trim() === "" ? cleaned : `${cleaned}\n${input.value}`;
    writeText(this.#draftKey, input.value);
    this.#changed();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  /** Says something about the box in its error line (an error from the room, for one). */
  say(text: string): void {
    this.#limitShown = false;
    this.#parts.error.textContent = text;
  }

  focus(): void {
    this.#parts.input.focus();
  }

  #submit(): void {
    const { input, error } = this.#parts;
    const text = input.value.trim();
    if (text.length === 0) return;
    if (charLength(text) > LIMITS.textMax) {
      error.textContent = LIMIT_NOTICE;
      this.#limitShown = true;
      return;
    }
    error.textContent = "";
    this.onSend(text);
    input.value = "";
    writeText(this.#draftKey, "");
    this.#changed();
    input.focus();
  }

  #changed(): void {
    const { input, counter, error } = this.#parts;
    // Grow with the text up to the CSS max-height, then scroll inside.
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
    const length = charLength(input.value.trim());
    const left = LIMITS.textMax - length;
    counter.hidden = length < COUNTER_FROM;
    counter.textContent = left >= 0 ? `${left} characters left` : `${-left} characters over the limit`;
    counter.classList.toggle("over", left < 0);
    if (this.#limitShown && left >= 0) {
      error.textContent = "";
      this.#limitShown = false;
    }
  }
}
