import { setTime } from "../text/day-format";
import { el } from "./dom";
import { messageTextNodes } from "./message-text";

// One message in the log as DOM: sender, time, words, and what has happened
// to it since (edited, deleted). Built with textContent only.

export const DELETED_TEXT = "Message deleted";

/** A message item, without its seq or delivery state (the log adds those). */
export function messageItem(name: string, text: string, ts: number, mine: boolean, myName: string): HTMLLIElement {
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
  body.append(...messageTextNodes(text, myName));
  item.append(meta, body);
  return item;
}

/** New words for a message, marked "(edited)". */
export function showEdited(item: HTMLLIElement, text: string, editedAt: number, myName: string): void {
  if (item.classList.contains("deleted")) return;
  item.querySelector(".text")?.replaceChildren(...messageTextNodes(text, myName));
  let note = item.querySelector<HTMLElement>(".edited");
  if (!note) {
    note = el("span", "edited", "(edited)");
    item.querySelector(".text")?.after(note);
  }
  const at = el("time");
  setTime(at, editedAt);
  note.title = `Edited ${at.title}`;
}

/** This person's message before the room has it, with its delivery state. */
export function ownItem(name: string, text: string, ts: number): HTMLLIElement {
  const item = messageItem(name, text, ts, true, name);
  item.append(el("span", "delivery"));
  return item;
}

/** Stored: "Sent", at the room's seq and time, under the name the room stored it with. */
export function showSent(item: HTMLLIElement, stored: { seq: number; ts: number }, name: string): void {
  item.querySelector(".failure")?.remove();
  item.dataset.seq = String(stored.seq);
  item.dataset.state = "sent";
  // The room's clock and order, not this browser's.
  item.dataset.ts = String(stored.ts);
  const time = item.querySelector("time");
  if (time) setTime(time, stored.ts);
  const delivery = item.querySelector(".delivery");
  if (delivery) delivery.textContent = "Sent";
  // Under the name the room stored it with (it may have changed while it waited).
  item.dataset.sender = name;
  const sender = item.querySelector(".sender");
  if (sender) sender.textContent = name;
}

/** "Sending…", or "Not sent" with why and what can be done. */
export function showUnsent(
  item: HTMLLIElement,
  entry: { state: "pending" | "failed"; error?: string; retryable?: boolean },
  actions: { retry(): void; edit(): void; discard(): void },
): void {
  item.querySelector(".failure")?.remove();
  item.dataset.state = entry.state;
  const delivery = item.querySelector(".delivery");
  if (delivery) delivery.textContent = entry.state === "failed" ? "Not sent" : "Sending…";
  if (entry.state === "failed") item.append(failureLine(entry.error, entry.retryable === true, actions));
}

/** "Message deleted" in place of the words; nothing left to act on. */
export function showDeleted(item: HTMLLIElement): void {
  item.classList.add("deleted");
  item.classList.remove("mentions-me");
  item.querySelector(".text")?.replaceChildren(DELETED_TEXT);
  item.querySelector(".edited")?.remove();
  item.querySelector(".actions")?.remove();
}

/**
 * Buttons for what this person may do to a message. Their names come from
 * aria-label and their visible words from CSS (`data-label`), so the item's
 * text stays the message's.
 */
export function setActions(item: HTMLLIElement, actions: { label: string; run: () => void; name: string }[]): void {
  item.querySelector(".actions")?.remove();
  if (actions.length === 0 || item.classList.contains("deleted")) return;
  const bar = el("span", "actions");
  for (const { label, run, name } of actions) bar.append(labelledButton(label, run, name));
  item.append(bar);
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

/** Under a message the room refused: why, and Retry (when it may pass), Edit and Discard. */
function failureLine(
  reason: string | undefined,
  retryable: boolean,
  actions: { retry(): void; edit(): void; discard(): void },
): HTMLElement {
  const failure = el("p", "failure");
  failure.append(el("span", "reason", sentence(reason ?? "the room refused this message")));
  const button = (label: string, onClick: () => void) => {
    const b = el("button", "secondary small", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    failure.append(" ", b);
  };
  if (retryable) button("Retry", actions.retry);
  button("Edit", actions.edit);
  button("Discard", actions.discard);
  return failure;
}

/** A small button whose accessible name is `label`, shown through CSS. */
export function labelledButton(label: string, run: () => void, name = label): HTMLButtonElement {
  const button = el("button", "action");
  button.type = "button";
  // The name says whom or what it acts on ("Kick Lee"); the visible word alone would not.
  button.setAttribute("aria-label", name);
  button.dataset.label = label;
  button.addEventListener("click", run);
  return button;
}
