import { describe, expect, it } from "vitest";
import { freshRoom, join, settle } from "./helpers";

describe("presence", () => {
  it("welcomes with the online list and announces the join to the others", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    expect(alice.of("welcome")[0]).toMatchObject({ room, name: "alice", online: ["alice"] });
    const bob = await join(room, "bob");
    expect(bob.of("welcome")[0]?.online).toEqual(["alice", "bob"]);
    expect(await alice.nextChange()).toEqual({
      type: "presence",
      event: "join",
      name: "bob",
      online: ["alice", "bob"],
      onlineCount: 2,
    });
    await settle();
    expect(bob.changes()).toEqual([]);
  });

  it("announces a leave with the remaining online list", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    bob.close();
    expect(await alice.nextChange((p) => p.event === "leave")).toEqual({
      type: "presence",
      event: "leave",
      name: "bob",
      online: ["alice"],
      onlineCount: 1,
    });
  });

  it("counts one person once however many tabs they have open", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bobTab1 = await join(room, "bob");
    const bobTab2 = await join(room, "bob");
    expect(bobTab2.of("welcome")[0]?.online).toEqual(["alice", "bob"]);
    bobTab1.close();
    await settle(200);
    expect(alice.changes().map((p) => p.event)).toEqual(["join"]);
    bobTab2.close();
    expect(await alice.nextChange((p) => p.event === "leave")).toMatchObject({ name: "bob", online: ["alice"] });
  });

  it("trims the name a person gives", async () => {
    const alice = await join(freshRoom(), "  alice  ");
    expect(alice.of("welcome")[0]?.name).toBe("alice");
  });
});

describe("a crowd's presence", () => {
  it("tells everyone of every newcomer in fewer frames than people, and ends with the full list", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const crowd = ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"];
    await Promise.all(crowd.map((name) => join(room, name)));
    await settle(300);
    const frames = alice.changes();
    const announced = new Set(frames.flatMap((p) => p.names ?? [p.name]));
    expect(announced).toEqual(new Set(crowd));
    expect(frames.length).toBeLessThan(crowd.length);
    expect(frames.at(-1)?.onlineCount).toBe(crowd.length + 1);
    expect(new Set(frames.at(-1)?.online)).toEqual(new Set(["alice", ...crowd]));
  });
});
