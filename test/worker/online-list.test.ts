import { describe, expect, it } from "vitest";
import { Roster } from "../../src/room/roster";
import type { Session } from "../../src/room/session";
import { LIMITS } from "../../src/shared/protocol";

// The roster only keys sockets; any distinct objects stand in for them here.
const socket = () => ({}) as WebSocket;
const session = (name: string, joinedAt: number, address = ""): Session => ({
  name,
  joinedAt,
  address,
  identity: `d:${name}`,
  skeleton: name,
  role: "member",
});

describe("the online list", () => {
  it("lists each person once, in the order they joined, even when rebuilt after a wake", () => {
    const roster = Roster.from([
      [socket(), session("bob", 20)],
      [socket(), session("alice", 10)],
      [socket(), session("bob", 30)],
    ]);
    expect(roster.online(LIMITS.onlineListMax)).toEqual({ online: ["alice", "bob"], onlineCount: 2 });
  });

  it("caps the names sent in frames but counts everyone", () => {
    const roster = new Roster();
    for (let i = 0; i < 250; i++) roster.add(socket(), session(`p${i}`, i));
    const { online, onlineCount } = roster.online(LIMITS.onlineListMax);
    expect(online).toHaveLength(LIMITS.onlineListMax);
    expect(online[0]).toBe("p0");
    expect(onlineCount).toBe(250);
  });

  it("keeps a name while any of its sockets is open; one who leaves and returns goes last", () => {
    const roster = new Roster();
    const [a1, a2, b] = [socket(), socket(), socket()];
    roster.add(a1, session("alice", 1, "net-1"));
    expect(roster.add(a2, session("alice", 2, "net-1"))).toBe(false);
    roster.add(b, session("bob", 3, "net-2"));
    expect(roster.fromAddress("net-1")).toBe(2);
    expect(roster.remove(a1)?.last).toBe(false);
    expect(roster.remove(a2)?.last).toBe(true);
    expect(roster.isOnline("alice")).toBe(false);
    roster.add(socket(), session("alice", 4));
    expect(roster.online(10).online).toEqual(["bob", "alice"]);
    expect(roster.fromAddress("net-1")).toBe(0);
  });
});
