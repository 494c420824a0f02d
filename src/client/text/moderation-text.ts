import type { ModerationEvent } from "../../shared";

const MODERATION_VERBS = { kick: "removed", ban: "banned", unban: "unbanned" } as const;

/** "Mallory was banned by Alice". */
export function moderationText(event: Pick<ModerationEvent, "action" | "name" | "by">): string {
  return `${event.name} was ${MODERATION_VERBS[event.action]} by ${event.by}`;
}
