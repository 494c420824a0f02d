import { describe, expect, it } from "vitest";
import { RecentSpeakers } from "../../src/room/recent-speakers";
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

  it("caps the names sent in frames at SPEC's 500 but counts everyone", () => {
    expect(LIMITS.onlineListMax).toBe(500);
    const roster = new Roster();
    for (let i = 0; i < 501; i++) roster.add(socket(), session(`p${i}`, i));
    const { online, onlineCount } = roster.online(LIMITS.onlineListMax);
    expect(online).toHaveLength(500);
    expect(online[0]).toBe("p0");
    expect(onlineCount).toBe(501);
  });

  it("lists who spoke last first when not everyone fits, then the rest in join order", () => {
    const roster = new Roster();
    for (let i = 0; i < 6; i++) roster.add(socket(), session(`p${i}`, i));
    // p9 spoke but is gone; p4 spoke after p2.
    expect(roster.online(4, () => ["p4", "p9", "p2"]).online).toEqual(["p4", "p2", "p0", "p1"]);
    roster.reorder();
    expect(roster.online(4, () => ["p5", "p4", "p3", "p2", "p1"]).online).toEqual(["p5", "p4", "p3", "p2"]);
    // Everyone fits: join order, whoever spoke.
    expect(roster.online(6, () => ["p5"]).online).toEqual(["p5", "p4", "p3", "p2"]);
    roster.reorder();
    expect(roster.online(6, () => ["p5"]).online).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);
  });
});

describe("who spoke last", () => {
  it("keeps speakers in the order of their latest message, read from storage once and only when asked", () => {
    let reads = 0;
    const speakers = new RecentSpeakers(() => {
      reads++;
      return ["s3", "s2", "s1", "s0"];
    }, 4);
    speakers.spoke("s1");
    speakers.spoke("n1");
    expect(reads).toBe(0);
    // Spoken since the wake first (newest first), then storage's, as many as are kept.
    expect(speakers.newestFirst()).toEqual(["n1", "s1", "s3", "s2"]);
    speakers.spoke("s2");
    speakers.spoke("n2");
    expect(speakers.newestFirst()).toEqual(["n2", "s2", "n1", "s1"]);
    expect(reads).toBe(1);
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
