import { describe, expect, it } from "vitest";
import { freshRoom, join, roomInfo, settle } from "./helpers";

describe("typing", () => {
  it("relays typing to everyone else and stores nothing", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const carol = await join(room, "carol");
    alice.send({ type: "typing" });
    expect(await bob.next("typing")).toEqual({ type: "typing", name: "alice" });
    expect(await carol.next("typing")).toEqual({ type: "typing", name: "alice" });
    await settle();
    expect(alice.of("typing")).toEqual([]);
    expect(await roomInfo(room)).toMatchObject({ lastSeq: 0 });
  });
});
