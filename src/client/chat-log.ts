import type { ChatMessage } from "../protocol";
import type { OutboxEntry } from "./chat-connection";
import { el } from "./dom";

// Messages from one person within this long of each other share a header.
const GROUP_WINDOW_MS = 5 * 60_000;
// "At the bottom" allows for rounding and a line of slack.
const FOLLOW_SLACK_PX = 48;

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

const DELIVERY_LABELS: Record<OutboxEntry["state"], string> = {
  pending: "Sending…",
  sent: "Sent",
  failed: "Not sent",
};

function setTime(time: HTMLTimeElement, ts: number): void {
  time.textContent = shortTime(ts);
  time.dateTime = new Date(ts).toISOString();
  time.title = fullFormat.format(ts);
}

/** Local time of day, with the date too when it is not today. */
function shortTime(ts: number): string {
  return new Date(ts).toDateString() === new Date().toDateString() ? timeOfDay.format(ts) : dayAndTime.format(ts);
}

/**
 * The message log: rendering, grouping, own-message states and scroll
 * following. It follows new messages while the reader is at the bottom and
 * otherwise keeps their place, offering a jump to the latest instead.
 */
export class ChatLog {
  readonly #list: HTMLOListElement;
  readonly #scroller: HTMLElement;
  readonly #jump: HTMLButtonElement;
  readonly #own = new Map<string, HTMLLIElement>();
  readonly #seen = new Set<number>();
  #lastSender: { name: string; ts: number; mine: boolean } | null = null;
  #following = true;
  onRetry: (id: string) => void = () => {};

  constructor(list: HTMLOListElement, scroller: HTMLElement, jump: HTMLButtonElement) {
    this.#list = list;
    this.#scroller = scroller;
    this.#jump = jump;
    scroller.addEventListener("scroll", () => {
      this.#following = this.#atBottom();
      if (this.#following) jump.hidden = true;
    });
    jump.addEventListener("click", () => this.scrollToEnd());
    // The log's box changes (composer grows, window resizes, text rewraps):
    // stay pinned to the end when the reader was there.
    const repin = new ResizeObserver(() => {
      if (this.#following) this.#pin();
    });
    repin.observe(scroller);
    repin.observe(list);
  }

  /** A message from someone else; ignored if this seq is already shown. */
  addMessage(message: ChatMessage, mine = false): void {
    if (this.#seen.has(message.seq)) return;
    this.#seen.add(message.seq);
    this.#append(this.#messageItem(message.name, message.text, message.ts, mine));
  }

  /** Shows or updates this person's own message by its client id. */
  updateOwn(entry: OutboxEntry, name: string, seq?: number): void {
    let item = this.#own.get(entry.id);
    if (!item) {
      item = this.#messageItem(name, entry.text, entry.ts, true);
      item.append(el("span", "delivery"));
      this.#own.set(entry.id, item);
      // Sending is a reason to look at the end of the conversation.
      this.#following = true;
      this.#append(item);
    }
    if (seq !== undefined) this.#seen.add(seq);
    item.dataset.state = entry.state;
    const delivery = item.querySelector(".delivery");
    if (delivery) {
      delivery.textContent = DELIVERY_LABELS[entry.state];
      if (entry.state === "failed") {
        const retry = el("button", "retry", "Retry");
        retry.type = "button";
        if (entry.error) retry.title = entry.error;
        retry.addEventListener("click", () => this.onRetry(entry.id));
        delivery.append(" ", retry);
      }
    }
    if (entry.state === "sent") {
      // The room's clock orders the conversation, not this browser's.
      const time = item.querySelector("time");
      if (time) setTime(time, entry.ts);
      this.#own.delete(entry.id);
    }
  }

  /** A join or leave line, or any other notice. */
  addNotice(text: string): void {
    this.#lastSender = null;
    this.#append(el("li", "notice", text));
  }

  scrollToEnd(): void {
    this.#following = true;
    this.#jump.hidden = true;
    this.#pin();
  }

  #messageItem(name: string, text: string, ts: number, mine: boolean): HTMLLIElement {
    const item = el("li", mine ? "message mine" : "message");
    const last = this.#lastSender;
    const grouped = last?.name === name && last.mine === mine && ts - last.ts < GROUP_WINDOW_MS;
    this.#lastSender = { name, ts, mine };
    const meta = el("p", "meta");
    const time = el("time", "time");
    setTime(time, ts);
    meta.append(el("span", "sender", name), " ", time);
    const body = el("p", "text", text);
    if (grouped) {
      // Shown once per group, but still read out with every message.
      item.classList.add("continued");
      meta.classList.add("visually-hidden");
      body.title = time.title;
    }
    item.append(meta, body);
    return item;
  }

  #append(item: HTMLLIElement): void {
    const follow = this.#following || this.#atBottom();
    this.#list.append(item);
    if (follow) this.#pin();
    else if (item.classList.contains("message")) this.#jump.hidden = false;
  }

  #atBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
  }

  #pin(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }
}
