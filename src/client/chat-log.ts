import type { ChatMessage, ModerationEvent } from "../protocol";
import { dayLabel, sameDay, setTime } from "./day-format";
import { el } from "./dom";
import { mentions } from "./mentions";
import { messageItem, setActions, showDeleted, showEdited } from "./message-item";
import type { OutboxEntry } from "./outbox";

// Messages from one person within this long of each other share a header.
const GROUP_WINDOW_MS = 5 * 60_000;
// "At the bottom" allows for rounding and a line of slack.
const FOLLOW_SLACK_PX = 48;
// Earlier messages are asked for this close to the top, before the reader hits it.
const NEAR_TOP_PX = 300;

export type LogActions = {
  /** On a message the room refused. */
  retry(id: string): void;
  edit(id: string, text: string): void;
  discard(id: string): void;
  /** On a stored message. */
  editMessage(seq: number, text: string): void;
  deleteMessage(seq: number, name: string): void;
};

/** Who may do what to a stored message. */
export type LogPolicy = { mine(name: string): boolean; moderator(): boolean };

type Stored = { item: HTMLLIElement; name: string; text: string; deleted: boolean };

const MODERATION_VERBS = { kick: "removed", ban: "banned", unban: "unbanned" } as const;

/** "Mallory was banned by Alice". */
export function moderationText(event: Pick<ModerationEvent, "action" | "name" | "by">): string {
  return `${event.name} was ${MODERATION_VERBS[event.action]} by ${event.by}`;
}

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
  readonly #stored = new Map<number, Stored>();
  #following = true;
  #divider: HTMLLIElement | null = null;
  #beginning: HTMLLIElement | null = null;
  readonly myName: () => string;
  actions: LogActions = { retry() {}, edit() {}, discard() {}, editMessage() {}, deleteMessage() {} };
  policy: LogPolicy = { mine: () => false, moderator: () => false };
  /** Called when the reader is near the top of what is loaded. */
  onNearTop: () => void = () => {};

  constructor(list: HTMLOListElement, scroller: HTMLElement, jump: HTMLButtonElement, myName: () => string) {
    this.myName = myName;
    this.#list = list;
    this.#scroller = scroller;
    this.#jump = jump;
    scroller.addEventListener("scroll", () => {
      this.#following = this.#atBottom();
      if (this.#following) jump.hidden = true;
      if (scroller.scrollTop < NEAR_TOP_PX) this.onNearTop();
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
    const { item, mentioned } = this.#storedItem(message, mine);
    this.#placeStored(item);
    return mentioned;
  }

  /** Earlier messages (oldest first) above everything, keeping what the reader looks at where it is. */
  prependOlder(messages: ChatMessage[]): void {
    const fresh = messages.filter((m) => !this.#seen.has(m.seq));
    if (fresh.length === 0) return;
    const s = this.#scroller;
    const fromBottom = s.scrollHeight - s.scrollTop;
    let anchor = this.#list.firstElementChild;
    if (anchor === this.#beginning) anchor = anchor?.nextElementSibling ?? null;
    const items: HTMLLIElement[] = [];
    let previousTs: number | null = null;
    for (const message of fresh) {
      if (previousTs === null || !sameDay(previousTs, message.ts)) {
        this.#list.insertBefore(el("li", "day", dayLabel(message.ts)), anchor);
      }
      previousTs = message.ts;
      const { item } = this.#storedItem(message, this.policy.mine(message.name));
      this.#list.insertBefore(item, anchor);
      items.push(item);
    }
    // The day the old part started on may continue from the earlier messages: one separator, not two.
    const firstOld = anchor?.classList.contains("day") ? anchor.nextElementSibling : null;
    if (anchor?.classList.contains("day") && firstOld instanceof HTMLLIElement && previousTs !== null) {
      if (sameDay(previousTs, Number(firstOld.dataset.ts))) anchor.remove();
    }
    for (const item of items) this.#regroup(item);
    const next = items.at(-1)?.nextElementSibling;
    if (next instanceof HTMLLIElement) this.#regroup(next);
    s.scrollTop = s.scrollHeight - fromBottom;
  }

  /** The beginning of the room: nothing is earlier. */
  markBeginning(text: string): void {
    if (this.#beginning) return;
    const s = this.#scroller;
    const fromBottom = s.scrollHeight - s.scrollTop;
    this.#beginning = el("li", "beginning", text);
    this.#list.prepend(this.#beginning);
    if (!this.#following) s.scrollTop = s.scrollHeight - fromBottom;
  }

  hasBeginning(): boolean {
    return this.#beginning !== null;
  }

  /** The seq of the earliest message shown, or null when none is. */
  oldestSeq(): number | null {
    let oldest: number | null = null;
    for (const seq of this.#stored.keys()) if (oldest === null || seq < oldest) oldest = seq;
    return oldest;
  }

  /** Whether the reader is at the top (nothing loaded above, or the log does not fill its box). */
  nearTop(): boolean {
    return this.#scroller.scrollTop < NEAR_TOP_PX;
  }

  /** The newest message of this person that may still be edited. */
  lastEditable(): { seq: number; text: string } | null {
    let found: { seq: number; text: string } | null = null;
    for (const [seq, stored] of this.#stored) {
      if (stored.deleted || !this.policy.mine(stored.name)) continue;
      if (found === null || seq > found.seq) found = { seq, text: stored.text };
    }
    return found;
  }

  /** New words for a shown message; ignored when it is not shown (its current state comes with it later). */
  applyEdit(target: number, text: string, ts: number): void {
    const stored = this.#stored.get(target);
    if (!stored || stored.deleted) return;
    stored.text = text;
    showEdited(stored.item, text, ts, this.myName());
    const mentioned = !this.policy.mine(stored.name) && mentions(text, this.myName());
    stored.item.classList.toggle("mentions-me", mentioned);
  }

  applyDelete(target: number): void {
    const stored = this.#stored.get(target);
    if (!stored || stored.deleted) return;
    stored.deleted = true;
    stored.text = "";
    showDeleted(stored.item);
  }

  /** "Mallory was banned by Alice", in its place among the messages; once per seq. */
  addModeration(event: ModerationEvent): HTMLLIElement | null {
    if (this.#seen.has(event.seq)) return null;
    this.#seen.add(event.seq);
    const item = el("li", "notice moderation", moderationText(event));
    item.dir = "auto";
    item.dataset.seq = String(event.seq);
    item.dataset.ts = String(event.ts);
    this.#placeStored(item);
    return item;
  }

  /** Whether this seq is on the page (a message or a line). */
  has(seq: number): boolean {
    return this.#seen.has(seq);
  }

  /** Empties the stored part (the room was wiped); unsent messages stay. */
  reset(): void {
    const unsent = new Set(this.#unsent.values());
    for (const item of [...this.#list.children]) if (!unsent.has(item as HTMLLIElement)) item.remove();
    this.#seen.clear();
    this.#stored.clear();
    this.#divider = null;
    this.#beginning = null;
  }

  /** Shows the buttons each message allows now (after the role or the name changed). */
  refreshActions(): void {
    for (const [seq, stored] of this.#stored) this.#setActions(seq, stored);
  }

  /** Shows or updates this person's own message by its client id. */
  updateOwn(entry: OutboxEntry, stored?: { seq: number; ts: number }): void {
    let item = this.#unsent.get(entry.id);
    if (!item) {
      if (stored && this.#seen.has(stored.seq)) return;
      item = messageItem(this.myName(), entry.text, entry.ts, true, this.myName());
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
      // Under the name the room stored it with (it may have changed while it waited).
      item.dataset.sender = this.myName();
      const sender = item.querySelector(".sender");
      if (sender) sender.textContent = this.myName();
      const record = { item, name: this.myName(), text: entry.text, deleted: false };
      this.#stored.set(stored.seq, record);
      this.#setActions(stored.seq, record);
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

  #storedItem(message: ChatMessage, mine: boolean): { item: HTMLLIElement; mentioned: boolean } {
    this.#seen.add(message.seq);
    const item = messageItem(message.name, message.text, message.ts, mine, this.myName());
    item.dataset.seq = String(message.seq);
    const deleted = message.deleted === true;
    const mentioned = !mine && !deleted && mentions(message.text, this.myName());
    if (mentioned) item.classList.add("mentions-me");
    const record = { item, name: message.name, text: message.text, deleted };
    this.#stored.set(message.seq, record);
    if (deleted) showDeleted(item);
    else if (message.editedAt !== undefined) showEdited(item, message.text, message.editedAt, this.myName());
    this.#setActions(message.seq, record);
    return { item, mentioned };
  }

  #setActions(seq: number, stored: Stored): void {
    const actions: { label: string; run: () => void }[] = [];
    const mine = this.policy.mine(stored.name);
    if (mine) actions.push({ label: "Edit", run: () => this.actions.editMessage(seq, stored.text) });
    if (mine || this.policy.moderator()) {
      actions.push({ label: "Delete", run: () => this.actions.deleteMessage(seq, stored.name) });
    }
    setActions(stored.item, actions);
  }

  #atBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
  }

  #pin(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }
}
