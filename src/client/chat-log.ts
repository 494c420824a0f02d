import type { ChatMessage } from "../protocol";
import { dayLabel, sameDay, setTime } from "./day-format";
import { el } from "./dom";
import { mentions } from "./mentions";
import { messageTextNodes } from "./message-text";
import type { OutboxEntry } from "./outbox";

// Messages from one person within this long of each other share a header.
const GROUP_WINDOW_MS = 5 * 60_000;
// "At the bottom" allows for rounding and a line of slack.
const FOLLOW_SLACK_PX = 48;

export type FailedActions = {
  retry(id: string): void;
  edit(id: string, text: string): void;
  discard(id: string): void;
};

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

/**
 * The message log. Stored messages are in `seq` order, the room's one order,
 * so every page shows the same conversation; this person's unsent messages
 * sit after them, in the order written, and take their place by seq once the
 * room has them. It follows new messages while the reader is at the bottom
 * and otherwise keeps their place, offering a jump to the latest instead.
 */
export class ChatLog {
  readonly #list: HTMLOListElement;
  readonly #scroller: HTMLElement;
  readonly #jump: HTMLButtonElement;
  readonly #unsent = new Map<string, HTMLLIElement>();
  readonly #seen = new Set<number>();
  #following = true;
  #divider: HTMLLIElement | null = null;
  readonly myName: () => string;
  actions: FailedActions = { retry() {}, edit() {}, discard() {} };

  constructor(list: HTMLOListElement, scroller: HTMLElement, jump: HTMLButtonElement, myName: () => string) {
    this.myName = myName;
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

  /** A stored message; ignored if this seq is already shown. Returns whether it mentions this person. */
  addMessage(message: ChatMessage, mine: boolean): boolean {
    if (this.#seen.has(message.seq)) return false;
    this.#seen.add(message.seq);
    const item = this.#messageItem(message.name, message.text, message.ts, mine);
    item.dataset.seq = String(message.seq);
    const mentioned = !mine && mentions(message.text, this.myName());
    if (mentioned) item.classList.add("mentions-me");
    this.#placeStored(item);
    return mentioned;
  }

  /** Shows or updates this person's own message by its client id. */
  updateOwn(entry: OutboxEntry, stored?: { seq: number; ts: number }): void {
    let item = this.#unsent.get(entry.id);
    if (!item) {
      if (stored && this.#seen.has(stored.seq)) return;
      item = this.#messageItem(this.myName(), entry.text, entry.ts, true);
      item.append(el("span", "delivery"));
      this.#unsent.set(entry.id, item);
      // Sending is a reason to look at the end of the conversation.
      this.#following = true;
      this.#insert(item, null);
    }
    const delivery = item.querySelector(".delivery");
    item.querySelector(".failure")?.remove();
    if (stored) {
      this.#unsent.delete(entry.id);
      this.#seen.add(stored.seq);
      item.dataset.seq = String(stored.seq);
      item.dataset.state = "sent";
      // The room's clock and order, not this browser's.
      item.dataset.ts = String(stored.ts);
      const time = item.querySelector("time");
      if (time) setTime(time, stored.ts);
      if (delivery) delivery.textContent = "Sent";
      this.#placeStored(item);
      return;
    }
    item.dataset.state = entry.state;
    if (delivery) delivery.textContent = entry.state === "failed" ? "Not sent" : "Sending…";
    if (entry.state === "failed") item.append(this.#failure(entry));
  }

  /** Removes an unsent message (after Edit or Discard). */
  removeOwn(id: string): void {
    const item = this.#unsent.get(id);
    if (!item) return;
    this.#unsent.delete(id);
    const next = item.nextElementSibling;
    item.remove();
    if (next instanceof HTMLLIElement) this.#regroup(next);
  }

  /** A join or leave line, or any other notice; returns it so it can be updated in place. */
  addNotice(text: string, className = "notice"): HTMLLIElement {
    const item = el("li", className, text);
    item.dir = "auto";
    this.#insert(item, this.#firstUnsent());
    return item;
  }

  /** The last item among the stored part of the log (not the unsent messages). */
  lastStored(): Element | null {
    const first = this.#firstUnsent();
    return first ? first.previousElementSibling : this.#list.lastElementChild;
  }

  /** Puts "New since you left" before the first message from someone else after `seq`; none if there is none. */
  markNewAfter(seq: number): void {
    this.#divider?.remove();
    this.#divider = null;
    for (const item of this.#list.querySelectorAll<HTMLLIElement>("li.message[data-seq]:not(.mine)")) {
      if (Number(item.dataset.seq) <= seq) continue;
      const divider = el("li", "divider", "New since you left");
      const before = item.previousElementSibling?.classList.contains("day") ? item.previousElementSibling : item;
      this.#list.insertBefore(divider, before);
      this.#divider = divider;
      this.#regroup(item);
      return;
    }
  }

  scrollToEnd(): void {
    this.#following = true;
    this.#jump.hidden = true;
    this.#pin();
  }

  #failure(entry: OutboxEntry): HTMLElement {
    const failure = el("p", "failure");
    failure.append(el("span", "reason", sentence(entry.error ?? "the room refused this message")));
    const button = (label: string, onClick: () => void) => {
      const b = el("button", "secondary small", label);
      b.type = "button";
      b.addEventListener("click", onClick);
      failure.append(" ", b);
    };
    if (entry.retryable) button("Retry", () => this.actions.retry(entry.id));
    button("Edit", () => this.actions.edit(entry.id, entry.text));
    button("Discard", () => this.actions.discard(entry.id));
    return failure;
  }

  /** Inserts a stored message at its seq, with a day separator when the day changes. */
  #placeStored(item: HTMLLIElement): void {
    const seq = Number(item.dataset.seq);
    let before: Element | null = this.#firstUnsent();
    if (before === item) before = this.#nextUnsent(item);
    // Stored items arrive in seq order almost always; walk back over any with a higher seq.
    let previous = before ? before.previousElementSibling : this.#list.lastElementChild;
    while (previous) {
      if (previous === item) {
        previous = previous.previousElementSibling;
        continue;
      }
      const s = (previous as HTMLElement).dataset.seq;
      if (s === undefined || Number(s) < seq) break;
      before = previous;
      previous = previous.previousElementSibling;
    }
    const oldNext = item.nextElementSibling;
    this.#insert(item, before);
    if (oldNext instanceof HTMLLIElement && oldNext !== item) this.#regroup(oldNext);
    const ts = Number(item.dataset.ts);
    const lastMessage = this.#previousMessage(item);
    if (!lastMessage || !sameDay(Number(lastMessage.dataset.ts), ts)) {
      const separator = item.previousElementSibling;
      if (!separator?.classList.contains("day")) {
        this.#list.insertBefore(el("li", "day", dayLabel(ts)), item);
        this.#regroup(item);
      }
    }
  }

  #insert(item: HTMLLIElement, before: Element | null): void {
    const follow = this.#following || this.#atBottom();
    this.#list.insertBefore(item, before);
    this.#regroup(item);
    const next = item.nextElementSibling;
    if (next instanceof HTMLLIElement) this.#regroup(next);
    if (follow) this.#pin();
    else if (item.classList.contains("message")) this.#jump.hidden = false;
  }

  #firstUnsent(): HTMLLIElement | null {
    for (const item of this.#unsent.values()) if (item.isConnected) return item;
    return null;
  }

  #nextUnsent(after: HTMLLIElement): HTMLLIElement | null {
    let found = false;
    for (const item of this.#unsent.values()) {
      if (found && item.isConnected) return item;
      if (item === after) found = true;
    }
    return null;
  }

  #previousMessage(item: HTMLLIElement): HTMLLIElement | null {
    let previous = item.previousElementSibling;
    while (previous && !(previous instanceof HTMLLIElement && previous.dataset.seq !== undefined)) {
      previous = previous.previousElementSibling;
    }
    return previous;
  }

  /** One header per run of messages from one person, unless something (a notice, a day) comes between. */
  #regroup(item: HTMLLIElement): void {
    if (!item.classList.contains("message")) return;
    const previous = item.previousElementSibling;
    const grouped =
      previous instanceof HTMLLIElement &&
      previous.classList.contains("message") &&
      previous.dataset.sender === item.dataset.sender &&
      previous.classList.contains("mine") === item.classList.contains("mine") &&
      Math.abs(Number(item.dataset.ts) - Number(previous.dataset.ts)) < GROUP_WINDOW_MS;
    item.classList.toggle("continued", grouped);
    // Shown once per group, but still read out with every message.
    item.querySelector(".meta")?.classList.toggle("visually-hidden", grouped);
  }

  #messageItem(name: string, text: string, ts: number, mine: boolean): HTMLLIElement {
    const item = el("li", mine ? "message mine" : "message");
    item.dataset.sender = name;
    item.dataset.ts = String(ts);
    const meta = el("p", "meta");
    const sender = el("span", "sender", name);
    sender.dir = "auto";
    const time = el("time", "time");
    setTime(time, ts);
    meta.append(sender, " ", time);
    const body = el("p", "text");
    body.dir = "auto";
    body.append(...messageTextNodes(text, this.myName()));
    item.append(meta, body);
    return item;
  }

  #atBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
  }

  #pin(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }
}
