import { DAY_MS } from "../../shared";

// Times and days as a person reads them, in their own locale and time zone.

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const dateOnly = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const dateWithYear = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

export function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/** "Today", "Yesterday", or the date (with the year when it is not this year). */
export function dayLabel(ts: number, now = Date.now()): string {
  if (sameDay(ts, now)) return "Today";
  if (sameDay(ts, now - DAY_MS)) return "Yesterday";
  return new Date(ts).getFullYear() === new Date(now).getFullYear() ? dateOnly.format(ts) : dateWithYear.format(ts);
}

/** The time of day on the message (the day is on its separator), the full date on hover. */
export function setTime(time: HTMLTimeElement, ts: number): void {
  time.textContent = timeOfDay.format(ts);
  time.dateTime = new Date(ts).toISOString();
  time.title = fullFormat.format(ts);
}
