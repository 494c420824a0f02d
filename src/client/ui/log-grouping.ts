import { dayLabel, sameDay } from "../text/day-format";
import { el } from "./dom";

// How neighbouring items in the log read together: a day line where the day
// changes, the "New since you left" line, and one header per run of messages
// from one person, unless something (a notice, a day) comes between.

// Messages from one person within this long of each other share a header.
const GROUP_WINDOW_MS = 5 * 60_000;

/** Shows or hides `item`'s header after its neighbours changed. */
export function regroup(item: HTMLLIElement): void {
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

/** A line naming the day of `ts`, which keeps its day so it can be said again as days pass. */
export function dayLine(ts: number): HTMLLIElement {
  const line = el("li", "day", dayLabel(ts));
  line.dataset.day = String(ts);
  return line;
}

/** A day line before a stored `item` when the stored item before it is from another day (or there is none). */
export function addDayLine(item: HTMLLIElement): void {
  const ts = Number(item.dataset.ts);
  const lastMessage = previousStored(item);
  if (lastMessage && sameDay(Number(lastMessage.dataset.ts), ts)) return;
  if (item.previousElementSibling?.classList.contains("day")) return;
  item.before(dayLine(ts));
  regroup(item);
  // A new day began since the older lines were written: "Today" may be "Yesterday" now.
  relabelDays(item.parentElement);
}

/** Every day line says its day as of now. */
function relabelDays(list: Element | null): void {
  for (const line of list?.querySelectorAll<HTMLElement>("li.day") ?? []) {
    const label = dayLabel(Number(line.dataset.day));
    if (line.textContent !== label) line.textContent = label;
  }
}

/** Keeps the day lines right across local midnight (and after the computer sleeps through one). */
export function keepDaysCurrent(list: HTMLElement): void {
  const schedule = () => {
    const midnight = new Date();
    midnight.setHours(24, 0, 0, 0);
    setTimeout(
      () => {
        relabelDays(list);
        schedule();
      },
      midnight.getTime() - Date.now() + 1_000,
    );
  };
  schedule();
  document.addEventListener("visibilitychange", () => relabelDays(list));
}

/** After earlier items went in before `anchor`: when its day continues theirs (`lastTs`), one day line, not two. */
export function dropRepeatedDay(anchor: Element | null, lastTs: number): void {
  const firstOld = anchor?.classList.contains("day") ? anchor.nextElementSibling : null;
  if (anchor?.classList.contains("day") && firstOld instanceof HTMLLIElement) {
    if (sameDay(lastTs, Number(firstOld.dataset.ts))) anchor.remove();
  }
}

/** "New since you left" before the first message from someone else after `seq`; null if there is none. */
export function addNewDivider(list: HTMLOListElement, seq: number): HTMLLIElement | null {
  for (const item of list.querySelectorAll<HTMLLIElement>("li.message[data-seq]:not(.mine)")) {
    if (Number(item.dataset.seq) <= seq) continue;
    const divider = el("li", "divider", "New since you left");
    const before = item.previousElementSibling?.classList.contains("day") ? item.previousElementSibling : item;
    list.insertBefore(divider, before);
    regroup(item);
    return divider;
  }
  return null;
}

/** The nearest stored item (one with a seq) before `item`. */
function previousStored(item: HTMLLIElement): HTMLLIElement | null {
  let previous = item.previousElementSibling;
  while (previous && !(previous instanceof HTMLLIElement && previous.dataset.seq !== undefined)) {
    previous = previous.previousElementSibling;
  }
  return previous;
}
