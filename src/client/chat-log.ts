import type { ChatMessage } from "../protocol";
import type { OutboxEntry } from "./chat-connection";
import { el } from "./dom";

// Messages from one person within this long of each other share a header.
const GROUP_WINDOW_MS = 5 * 60_000;
// "At the bottom" allows for rounding and a line of slack.
const FOLLOW_SLACK_PX = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

const STATE_LABELS: Record<OutboxEntry["state"], string> = { pending: "Sending…", sent: "Sent", failed: "Not sent" };

/** The message log: rendering, grouping, own-message states and scroll following. */
export class ChatLog {
  readonly #list: HTMLOListElement;
  readonly #scroller: HTMLElement;
  readonly #own = new Map<string, HTMLLIElement>();
  readonly #seen = new Set<number>();
  #lastSender: { name: string; ts: number } | null = null;
  onRetry: (id: string) => void = () => {};

  constructor(list: HTMLOListElement, scroller: HTMLElement) {
    this.#list = list;
    this.#scroller = scroller;
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
      this.#own.set(entry.id, item);
      this.#append(item);
    }
    if (seq !== undefined) this.#seen.add(seq);
    item.dataset.state = entry.state;
    const state = item.querySelector(".state");
    if (state) {
      state.textContent = STATE_LABELS[entry.state];
      if (entry.state === "failed") {
        const retry = el("button", "retry", "Retry");
        retry.type = "button";
        retry.title = entry.error ?? "Send again";
        retry.addEventListener("click", () => this.onRetry(entry.id));
        state.append(" ", retry);
      }
    }
    if (entry.state === "sent") this.#own.delete(entry.id);
  }

  /** A join or leave line, or any other notice. */
  addNotice(text: string): void {
    this.#lastSender = null;
    this.#append(el("li", "notice", text));
  }

  #messageItem(name: string, text: string, ts: number, mine: boolean): HTMLLIElement {
    const item = el("li", mine ? "message mine" : "message");
    const grouped = this.#lastSender?.name === name && ts - this.#lastSender.ts < GROUP_WINDOW_MS;
    this.#lastSender = { name, ts };
    if (grouped) item.classList.add("continued");
    const meta = el("div", "meta");
    const sender = el("span", "sender", name);
    const time = el("time", "time", timeFormat.format(ts));
    time.dateTime = new Date(ts).toISOString();
    time.title = fullFormat.format(ts);
    meta.append(sender, " ", time);
    if (mine) meta.append(" ", el("span", "state"));
    item.append(meta, el("p", "text", text));
    return item;
  }

  #append(item: HTMLLIElement): void {
    const s = this.#scroller;
    const atBottom = s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
    this.#list.append(item);
    // Follow new messages only when the reader was already at the bottom.
    if (atBottom) s.scrollTop = s.scrollHeight;
  }
}
