import { describe, expect, it } from "vitest";
import { freshRoom, join, request, settle } from "./helpers";

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
    expect(await (await request(`/api/rooms/${room}`)).json()).toMatchObject({ lastSeq: 0 });
  });
});
