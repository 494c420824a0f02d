/** What a socket carries across hibernation, in its attachment. */
export type Session = {
  name: string;
  joinedAt: number;
  /** Who this is: `d:<hash of device key>`, `j:<sub>`, or `e:<uuid>` for a socket without a key. */
  identity: string;
  /** What the name collides on. */
  skeleton: string;
  /** The role the token gave (jwt mode); the owner is known to the room, not the session. */
  role: "moderator" | "member";
  /** When that role ends (the token's exp, ms). */
  roleUntil?: number;
  /** A hash of the client's address, for the per-address cap ("" when unknown). */
  address: string;
  /** While history is sent in `catchup` pages (no live events until it ends): the seq the last page ended at. */
  catchupFrom?: number;
};

export function writeSession(ws: WebSocket, session: Session): void {
  ws.serializeAttachment(session satisfies Session);
}

/** The socket's session, or null when its attachment is missing or malformed. */
export function readSession(ws: WebSocket): Session | null {
  let value: unknown;
  try {
    value = ws.deserializeAttachment();
  } catch {
    return null;
  }
  return parseSession(value);
}

/** A session stored as JSON (a shard's socket, in the room's storage), or null when malformed. */
export function readStoredSession(json: string): Session | null {
  try {
    return parseSession(JSON.parse(json));
  } catch {
    return null;
  }
}

function parseSession(value: unknown): Session | null {
  if (typeof value !== "object" || value === null) return null;
  const { name, joinedAt, address, catchupFrom, identity, skeleton, role, roleUntil } = value as Record<
    string,
    unknown
  >;
  if (typeof name !== "string" || typeof joinedAt !== "number") return null;
  if (typeof identity !== "string" || typeof skeleton !== "string") return null;
  const session: Session = {
    name,
    joinedAt,
    identity,
    skeleton,
    role: role === "moderator" ? "moderator" : "member",
    address: typeof address === "string" ? address : "",
  };
  if (typeof catchupFrom === "number") session.catchupFrom = catchupFrom;
  if (typeof roleUntil === "number") session.roleUntil = roleUntil;
  return session;
}

export type OnlineList = { online: string[]; onlineCount: number };
