import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/shared/protocol";
import { freshRoom, join, settle } from "./helpers";

describe("batching", () => {
  it("coalesces a backlog into batch frames that read exactly as the frames in order", async () => {
    const room = freshRoom();
    const reader = await join(room, "reader");
    const writer = await join(room, "writer");
    for (let i = 0; i < LIMITS.rateBurst; i++) writer.send({ type: "send", id: `b${i}`, text: `burst ${i}` });
    const messages = await reader.collect("message", LIMITS.rateBurst);
    expect(messages.map((m) => m.text)).toEqual(Array.from({ length: LIMITS.rateBurst }, (_, i) => `burst ${i}`));
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: LIMITS.rateBurst }, (_, i) => i + 1));
    // Fewer frames than messages: the backlog travelled in batches.
    expect(reader.batches).toBeGreaterThan(0);
    const acks = await writer.collect("ack", LIMITS.rateBurst);
    expect(acks.map((a) => a.id)).toEqual(Array.from({ length: LIMITS.rateBurst }, (_, i) => `b${i}`));
    await settle();
    expect(writer.of("message")).toEqual([]);
    // Never nested, never holding a welcome.
    for (const raw of reader.raw.filter((r) => r.startsWith('{"type":"batch"'))) {
      const batch = JSON.parse(raw) as { frames: { type: string }[] };
      expect(batch.frames.every((f) => f.type !== "batch" && f.type !== "welcome")).toBe(true);
    }
  });
});
