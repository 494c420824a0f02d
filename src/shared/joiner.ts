/** Someone the worker has checked and hands to the room: who they are and where they come from. */
export type Joiner = {
  room: string;
  name: string;
  /** What the name collides on. */
  skeleton: string;
  /** `d:<hash>` or `j:<sub>`; "" for a socket without a key, which the room gives an identity of its own. */
  identity: string;
  role: "moderator" | "member";
  /** When a signed-in role ends (ms). */
  roleUntil?: number;
  /** A hash of the client's address ("" when unknown). */
  address: string;
  since?: number;
};

const KEYS = ["room", "name", "skeleton", "identity", "role", "address"] as const;

/** The upgrade as the room (or shard `shard`) receives it: the joiner in the query of an internal URL. */
export function joinerUrl(joiner: Joiner, shard?: number): string {
  // Built as one string: each `searchParams.set` on a URL would serialise the whole query again.
  const params = new URLSearchParams();
  for (const key of KEYS) params.append(key, joiner[key]);
  if (joiner.since !== undefined) params.append("since", String(joiner.since));
  if (joiner.roleUntil !== undefined) params.append("roleUntil", String(joiner.roleUntil));
  if (shard !== undefined) params.append("shard", String(shard));
  return `https://chat-room/connect?${params}`;
}

/** Reads back what `joinerUrl` wrote (the worker validated it). */
export function readJoiner(url: string): Joiner {
  const params = new URL(url).searchParams;
  const get = (key: string) => params.get(key) ?? "";
  const since = params.get("since");
  const roleUntil = params.get("roleUntil");
  return {
    room: get("room"),
    name: get("name"),
    skeleton: get("skeleton"),
    identity: get("identity"),
    role: get("role") === "moderator" ? "moderator" : "member",
    address: get("address"),
    ...(since === null ? {} : { since: Number(since) }),
    ...(roleUntil === null ? {} : { roleUntil: Number(roleUntil) }),
  };
}
