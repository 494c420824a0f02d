// "Ann is typing…". The room has no stop frame, so each notice lives 3 s: a
// typist's page repeats it every 2 s while the draft changes, so the line
// stays while they type and goes within 3 s of them stopping or clearing it.

const TYPING_TTL_MS = 3_000;

export class TypingIndicator {
  readonly #line: HTMLElement;
  readonly #typers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(line: HTMLElement) {
    this.#line = line;
  }

  typing(name: string): void {
    clearTimeout(this.#typers.get(name));
    this.#typers.set(
      name,
      setTimeout(() => this.stop(name), TYPING_TTL_MS),
    );
    this.#show();
  }

  /** They sent their message, or left. */
  stop(name: string): void {
    clearTimeout(this.#typers.get(name));
    if (this.#typers.delete(name)) this.#show();
  }

  #show(): void {
    const names = [...this.#typers.keys()];
    this.#line.textContent =
      names.length === 0
        ? ""
        : names.length === 1
          ? `${names[0]} is typing…`
          : names.length === 2
            ? `${names[0]} and ${names[1]} are typing…`
            : "Several people are typing…";
  }
}
