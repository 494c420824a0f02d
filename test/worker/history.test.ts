import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/shared/protocol";
import { catchUp, freshRoom, join, say, seedHistory } from "./helpers";

describe("history", () => {
  it("welcomes a newcomer with the latest 100 messages, oldest first", async () => {
    const room = freshRoom();
    await seedHistory(room, 130);
    const reader = await join(room, "reader");
    const welcome = reader.of("welcome")[0];
    expect(welcome?.lastSeq).toBe(130);
    expect(welcome?.history).toHaveLength(LIMITS.historyOnJoin);
    expect(welcome?.history[0]).toMatchObject({ seq: 31, name: "writer", text: "message 31", id: "m31" });
    expect(welcome?.history.at(-1)?.seq).toBe(130);
  });

  it("catches a returning client up with everything after since", async () => {
    const room = freshRoom();
    await seedHistory(room, 5);
    const reader = await join(room, "reader");
    reader.close();
    await reader.closed();
    await seedHistory(room, 150);
    const back = await join(room, "reader", "&since=5");
    const history = back.of("welcome")[0]?.history ?? [];
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 6));
  });

  it("catches up live messages sent while a client was away", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const first = await say(alice, "seen by bob");
    bob.close();
    await say(alice, "missed 1");
    await say(alice, "missed 2");
    const back = await join(room, "bob", `&since=${first.seq}`);
    expect(back.of("welcome")[0]?.history.map((m) => (m.type === "message" ? m.text : m.type))).toEqual([
      "missed 1",
      "missed 2",
    ]);
  });

  it("sends an empty history to a client that has seen everything", async () => {
    const room = freshRoom();
    const writer = await join(room, "writer");
    const { seq } = await say(writer, "latest");
    const back = await join(room, "reader", `&since=${seq}`);
    expect(back.of("welcome")[0]).toMatchObject({ history: [], lastSeq: seq });
  });

  it("keeps at least the latest 1000 messages", async () => {
    const room = freshRoom();
    await seedHistory(room, 1250);
    const reader = await join(room, "reader", "&since=0");
    const history = await catchUp(reader);
    expect(history.length).toBeGreaterThanOrEqual(LIMITS.historyKept);
    expect(history.length).toBeLessThan(1250);
    expect(history.at(-1)?.seq).toBe(1250);
    const seqs = history.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 1250 - seqs.length + 1 + i));
  });
});
