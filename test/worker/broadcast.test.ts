import { describe, expect, it } from "vitest";
import { freshRoom, join, say, settle } from "./helpers";

describe("broadcast", () => {
  it("delivers a message to everyone else in the room, not to the sender", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const carol = await join(room, "carol");

    const ack = await say(alice, "hello room");
    const [toBob, toCarol] = await Promise.all([bob.next("message"), carol.next("message")]);

    for (const message of [toBob, toCarol]) {
      expect(message).toEqual({
        type: "message",
        seq: ack.seq,
        id: ack.id,
        name: "alice",
        text: "hello room",
        ts: ack.ts,
      });
    }
    await settle();
    expect(alice.of("message")).toEqual([]);
  });

  it("never crosses into another room", async () => {
    const here = await join(freshRoom(), "alice");
    const elsewhere = await join(freshRoom(), "bob");
    const neighbour = await join(freshRoom(), "carol");
    await say(here, "only for this room");
    await say(neighbour, "and this one for that room");
    await settle();
    expect(elsewhere.of("message")).toEqual([]);
  });

  it("trims the text it stores and relays", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    await say(alice, "   spaced out \n");
    expect((await bob.next("message")).text).toBe("spaced out");
  });
});
