import { setTime } from "./day-format";
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
export function setActions(item: HTMLLIElement, actions: { label: string; run: () => void }[]): void {
  item.querySelector(".actions")?.remove();
  if (actions.length === 0 || item.classList.contains("deleted")) return;
  const bar = el("span", "actions");
  for (const { label, run } of actions) bar.append(labelledButton(label, run));
  item.append(bar);
}

/** A small button whose accessible name is `label`, shown through CSS. */
export function labelledButton(label: string, run: () => void): HTMLButtonElement {
  const button = el("button", "action");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.dataset.label = label;
  button.addEventListener("click", run);
  return button;
}
