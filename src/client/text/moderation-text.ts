import type { ModerationEvent } from "../../shared";

/** "1 hour", "90 minutes", "7 days": a ban's length in words. */
export function durationText(minutes: number): string {
  const [count, unit] =
    minutes % 1440 === 0 ? [minutes / 1440, "day"] : minutes % 60 === 0 ? [minutes / 60, "hour"] : [minutes, "minute"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** "every 30 seconds", "every minute". */
export function intervalText(seconds: number): string {
  if (seconds % 60 === 0) return seconds === 60 ? "every minute" : `every ${seconds / 60} minutes`;
  return seconds === 1 ? "every second" : `every ${seconds} seconds`;
}

/** "Mallory was banned for 1 hour by Alice", "Alice turned on slow mode: one message every 30 seconds". */
export function moderationText(event: Pick<ModerationEvent, "action" | "name" | "by" | "minutes" | "seconds">): string {
  const { name, by } = event;
  switch (event.action) {
    case "kick":
      return `${name} was removed by ${by}`;
    case "ban":
      return event.minutes === undefined
        ? `${name} was banned by ${by} until a moderator lifts the ban`
        : `${name} was banned for ${durationText(event.minutes)} by ${by}`;
    case "unban":
      return `${name} was unbanned by ${by}`;
    case "promote":
      return `${by} made ${name} a moderator`;
    case "demote":
      return `${by} took back ${name}'s moderator role`;
    case "slow":
      return event.seconds
        ? `${by} turned on slow mode: one message ${intervalText(event.seconds)} each`
        : `${by} turned off slow mode`;
    case "lock":
      return `${by} locked the room: only people who have been here before can join`;
    case "unlock":
      return `${by} unlocked the room`;
  }
}
