// Where the reader is in the log: it follows new items while the reader is
// at the bottom and otherwise keeps their place, offering a jump to the latest
// instead.

// "At the bottom" allows for rounding and a line of slack.
const FOLLOW_SLACK_PX = 48;
// Earlier messages are asked for this close to the top, before the reader hits it.
const NEAR_TOP_PX = 300;

export class LogScroll {
  readonly #scroller: HTMLElement;
  readonly #jump: HTMLButtonElement;
  #following = true;

  /** `nearTop` is called when the reader scrolls near the top of what is loaded. */
  constructor(scroller: HTMLElement, list: HTMLElement, jump: HTMLButtonElement, nearTop: () => void) {
    this.#scroller = scroller;
    this.#jump = jump;
    scroller.addEventListener("scroll", () => {
      this.#following = this.#atBottom();
      if (this.#following) jump.hidden = true;
      if (scroller.scrollTop < NEAR_TOP_PX) nearTop();
    });
    jump.addEventListener("click", () => this.toEnd());
    // The log's box changes (composer grows, window resizes, text rewraps):
    // stay pinned to the end when the reader was there.
    const repin = new ResizeObserver(() => {
      if (this.#following) this.#pin();
    });
    repin.observe(scroller);
    repin.observe(list);
  }

  /** Whether the reader is at the top (nothing loaded above, or the log does not fill its box). */
  nearTop(): boolean {
    return this.#scroller.scrollTop < NEAR_TOP_PX;
  }

  /** Sending is a reason to look at the end of the conversation. */
  follow(): void {
    this.#following = true;
  }

  /** Adds `item` with `insert`: followed if the reader was at the end, else the jump is offered for a message. */
  insert(item: HTMLElement, insert: () => void): void {
    const follow = this.#following || this.#atBottom();
    insert();
    if (follow) this.#pin();
    else if (item.classList.contains("message")) this.#jump.hidden = false;
  }

  /** Adds items above with `change`, keeping what the reader looks at where it is (unless following, if asked). */
  keepPlace(change: () => void, unlessFollowing = false): void {
    const s = this.#scroller;
    const fromBottom = s.scrollHeight - s.scrollTop;
    change();
    if (!unlessFollowing || !this.#following) s.scrollTop = s.scrollHeight - fromBottom;
  }

  toEnd(): void {
    this.#following = true;
    this.#jump.hidden = true;
    this.#pin();
  }

  #atBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
  }

  #pin(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }
}
