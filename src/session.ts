/** What a socket carries across hibernation, in its attachment. */
export type Session = {
  name: string;
  joinedAt: number;
  /** A hash of the client's address, for the per-address cap ("" when unknown). */
  address: string;
  /** Set while history is sent in `catchup` pages: no live events until it ends. */
  catchingUp?: true;
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
  if (typeof value !== "object" || value === null) return null;
  const { name, joinedAt, address, catchingUp } = value as Record<string, unknown>;
  if (typeof name !== "string" || typeof joinedAt !== "number") return null;
  const session: Session = { name, joinedAt, address: typeof address === "string" ? address : "" };
  if (catchingUp === true) session.catchingUp = true;
  return session;
}

export type OnlineList = { online: string[]; onlineCount: number };

/** Distinct names in the order their people joined: at most `max` listed, all counted. */
export function onlineList(sessions: Iterable<Pick<Session, "name" | "joinedAt">>, max: number): OnlineList {
  const names = [...new Set([...sessions].sort((a, b) => a.joinedAt - b.joinedAt).map((s) => s.name))];
  return { online: names.slice(0, max), onlineCount: names.length };
}
