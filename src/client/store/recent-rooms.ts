import { canonicalRoom } from "../../shared";
import { isRecord, readJson, writeJson } from "./browser-store";

// The rooms this browser visited, newest first, for the landing page.
const KEY = "parley:recent-rooms";
const KEPT = 8;

export type RecentRoom = { room: string; at: number };

export function recentRooms(): RecentRoom[] {
  const raw = readJson(KEY);
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (r): r is RecentRoom =>
      isRecord(r) && typeof r.room === "string" && canonicalRoom(r.room) === r.room && typeof r.at === "number",
  );
}

export function rememberRoom(room: string): void {
  const rest = recentRooms().filter((r) => r.room !== room);
  writeJson(KEY, [{ room, at: Date.now() }, ...rest].slice(0, KEPT));
}
