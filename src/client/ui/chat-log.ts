import type { ChatMessage, ModerationEvent } from "../../shared";
import type { OutboxEntry } from "../connection";
import { sameDay } from "../text/day-format";
import { mentions } from "../text/mentions";
import { moderationText } from "../text/moderation-text";
import { el } from "./dom";
import { addDayLine, addNewDivider, dayLine, dropRepeatedDay, regroup } from "./log-grouping";
import { LogScroll } from "./log-scroll";
import type { LogActions, LogParts, LogPolicy, Stored } from "./log-types";
import { messageItem, ownItem, setActions, showDeleted, showEdited, showSent, showUnsent } from "./message-item";

export type { LogActions, LogParts, LogPolicy } from "./log-types";

/**
 * The message log. Stored messages are in `seq` order, the room's one order,
 * so every page shows the same conversation; this person's unsent messages
 * sit after them, in the order written, and take their place by seq once the
 * room has them. It follows new messages while the reader is at the bottom
 * and otherwise keeps their place, offering a jump to the latest instead.
 */
export class ChatLog {
  readonly #list: HTMLOListElement;
  readonly #scroll: LogScroll;
  readonly #unsent = new Map<string, HTMLLIElement>();
  readonly #seen = new Set<number>();
  readonly #stored = new Map<number, Stored>();
  #divider: HTMLLIElement | null = null;
  #beginning: HTMLLIElement | null = null;
  readonly myName: () => string;
  readonly policy: LogPolicy;
  readonly #actions: LogActions;

  /** `nearTop` is called when the reader is near the top of what is loaded. */
  constructor(parts: LogParts, myName: () => string, policy: LogPolicy, actions: LogActions, nearTop: () => void) {
    this.myName = myName;
    this.policy = policy;
    this.#actions = actions;
    this.#list = parts.list;
    this.#scroll = new LogScroll(parts.scroller, parts.list, parts.jump, nearTop);
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
    this.#scroll.keepPlace(() => this.#prepend(fresh));
  }

  #prepend(fresh: ChatMessage[]): void {
    let anchor = this.#list.firstElementChild;
    if (anchor === this.#beginning) anchor = anchor?.nextElementSibling ?? null;
    const items: HTMLLIElement[] = [];
    let previousTs: number | null = null;
    for (const message of fresh) {
      if (previousTs === null || !sameDay(previousTs, message.ts)) {
        this.#list.insertBefore(dayLine(message.ts), anchor);
      }
      previousTs = message.ts;
      const { item } = this.#storedItem(message, this.policy.mine(message.name));
      this.#list.insertBefore(item, anchor);
      items.push(item);
    }
    if (previousTs !== null) dropRepeatedDay(anchor, previousTs);
    for (const item of items) regroup(item);
    const next = items.at(-1)?.nextElementSibling;
    if (next instanceof HTMLLIElement) regroup(next);
  }

  /** The beginning of the room: nothing is earlier. */
  markBeginning(text: string): void {
    if (this.#beginning) return;
    const beginning = el("li", "beginning", text);
    this.#beginning = beginning;
    this.#scroll.keepPlace(() => this.#list.prepend(beginning), true);
  }

  /** The seq of the earliest message shown, or null when none is. */
  oldestSeq(): number | null {
    return this.#stored.size === 0 ? null : Math.min(...this.#stored.keys());
  }

  /** A stored message as shown, with its author and current words. */
  message(seq: number): Readonly<Stored> | undefined {
    return this.#stored.get(seq);
  }

  /** Whether the reader is at the top (nothing loaded above, or the log does not fill its box). */
  nearTop(): boolean {
    return this.#scroll.nearTop();
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
      item = ownItem(this.myName(), entry.text, entry.ts);
      this.#unsent.set(entry.id, item);
      this.#scroll.follow();
      this.#insert(item, null);
    }
    if (stored) {
      this.#unsent.delete(entry.id);
      this.#seen.add(stored.seq);
      showSent(item, stored, this.myName());
      const record = { item, name: this.myName(), text: entry.text, deleted: false };
      this.#stored.set(stored.seq, record);
      this.#setActions(stored.seq, record);
      this.#placeStored(item);
      return;
    }
    const { id, text } = entry;
    showUnsent(item, entry, {
      retry: () => this.#actions.retry(id),
      edit: () => this.#actions.edit(id, text),
      discard: () => this.#actions.discard(id),
    });
  }

  /** Removes an unsent message (after Edit or Discard). */
  removeOwn(id: string): void {
    const item = this.#unsent.get(id);
    if (!item) return;
    this.#unsent.delete(id);
    const next = item.nextElementSibling;
    item.remove();
    if (next instanceof HTMLLIElement) regroup(next);
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
    this.#divider = addNewDivider(this.#list, seq);
  }

  scrollToEnd(): void {
    this.#scroll.toEnd();
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
    if (oldNext instanceof HTMLLIElement && oldNext !== item) regroup(oldNext);
    addDayLine(item);
  }

  #insert(item: HTMLLIElement, before: Element | null): void {
    this.#scroll.insert(item, () => {
      this.#list.insertBefore(item, before);
      regroup(item);
      const next = item.nextElementSibling;
      if (next instanceof HTMLLIElement) regroup(next);
    });
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
    const mine = this.policy.mine(stored.name);
    // Named for whose message they act on ("Delete Lee's message").
    const whose = mine ? "your" : `${stored.name}'s`;
    const actions = [
      { label: "Reply", run: () => this.#actions.replyTo(seq), name: `Reply to ${whose} message` },
      { label: "React", run: () => this.#actions.react(seq), name: `React to ${whose} message` },
    ];
    if (mine)
      actions.push({
        label: "Edit",
        run: () => this.#actions.editMessage(seq, stored.text),
        name: "Edit your message",
      });
    if (mine || this.policy.moderator()) {
      const run = () => this.#actions.deleteMessage(seq, stored.name);
      actions.push({ label: "Delete", run, name: `Delete ${whose} message` });
    }
    setActions(stored.item, actions);
  }
}
