/** Room names: 1-64 of A-Z a-z 0-9 _ -, compared case-insensitively. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The canonical (lower-case) room name, or null when `raw` is not a room name. */
export function canonicalRoom(raw: string): string | null {
  return ROOM_NAME.test(raw) ? raw.toLowerCase() : null;
}

/** A fresh private room: 128 random bits, unguessable. */
export function privateRoomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
