import { charLength, LIMITS } from "../../shared";
import { readText, writeText } from "../store/browser-store";

// The message box: Enter sends, Shift+Enter breaks the line; the draft is
// kept per room so a reload or a closed tab does not lose it; a counter shows
// near the limit, and the limit notice goes as soon as the text fits.
// Editing one of your messages borrows the box: the draft is put aside and
// comes back when the edit is saved or cancelled (Escape).

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
  /** "Editing your message", with its Cancel button: shown while editing. */
  editing: HTMLElement;
  cancelEdit: HTMLButtonElement;
};

export type ComposerActions = {
  send(text: string): void;
  typing(): void;
  /** Saves an edit (only called when the words changed). */
  edit(seq: number, text: string): void;
  /** Arrow Up in an empty box: the page finds the message to edit. */
  editLast(): void;
};

export class Composer {
  readonly #parts: ComposerParts;
  readonly #draftKey: string;
  readonly #actions: ComposerActions;
  #limitShown = false;
  /** The message being edited and the draft put aside for it. */
  #editing: { seq: number; original: string; draft: string } | null = null;

  /** Closed to someone who may not write here (banned, signed out); the draft stays. */
  set closed(closed: boolean) {
    this.#parts.input.disabled = closed;
    for (const button of this.#parts.form.querySelectorAll("button")) button.disabled = closed;
  }

  constructor(parts: ComposerParts, room: string, actions: ComposerActions) {
    this.#parts = parts;
    this.#actions = actions;
    this.#draftKey = `parley:draft:${room}`;
    const { form, input } = parts;
    input.value = readText(this.#draftKey) ?? "";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    input.addEventListener("keydown", (event) => {
      if (event.isComposing) return;
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.#submit();
      } else if (event.key === "Escape" && this.#editing) {
        event.preventDefault();
        this.cancelEdit();
      } else if (event.key === "ArrowUp" && !this.#editing && input.value === "") {
        event.preventDefault();
        this.#actions.editLast();
      }
    });
    parts.cancelEdit.addEventListener("click", () => this.cancelEdit());
    input.addEventListener("input", () => {
      if (!this.#editing) writeText(this.#draftKey, input.value);
      this.#changed();
      // Changing an old message is not writing a new one: the others are not told.
      if (input.value.trim() !== "" && !this.#editing) this.#actions.typing();
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

  /** Puts one of this person's stored messages in the box to change it. */
  startEdit(seq: number, text: string): void {
    const { input, editing } = this.#parts;
    const draft = this.#editing ? this.#editing.draft : input.value;
    this.#editing = { seq, original: text, draft };
    editing.hidden = false;
    input.value = text;
    this.say("");
    this.#changed();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  /** Stops editing without saving; the draft comes back. */
  cancelEdit(): void {
    this.#endEdit();
    this.#parts.input.focus();
  }

  /** The seq being edited, if any. */
  editingSeq(): number | null {
    return this.#editing?.seq ?? null;
  }

  #endEdit(): void {
    if (!this.#editing) return;
    const { input, editing } = this.#parts;
    input.value = this.#editing.draft;
    this.#editing = null;
    editing.hidden = true;
    this.#changed();
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
    if (text.length === 0) {
      if (this.#editing) error.textContent = "A message cannot be empty: use Delete to remove it.";
      return;
    }
    if (charLength(text) > LIMITS.textMax) {
      error.textContent = LIMIT_NOTICE;
      this.#limitShown = true;
      return;
    }
    error.textContent = "";
    const editing = this.#editing;
    if (editing) {
      if (text !== editing.original.trim()) this.#actions.edit(editing.seq, text);
      this.#endEdit();
      input.focus();
      return;
    }
    this.#actions.send(text);
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
