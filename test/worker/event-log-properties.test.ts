import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogEvent } from "../../src/shared/protocol";
import { act, catchUp, evictAwake, freshRoom, join, roomInfo, settle, type TestClient } from "./helpers";

type Shown = { text: string; edited: boolean; deleted: boolean; reactions: Record<string, string[]> };

const sorted = (reactions: Record<string, string[]> = {}) =>
  Object.fromEntries(Object.entries(reactions).map(([emoji, names]) => [emoji, [...names].sort()]));

/** A client's view of the room: every message by seq, as the events it received left it. */
function apply(view: Map<number, Shown>, events: LogEvent[]): void {
  for (const e of events) {
    if (e.type === "message") {
      const shown = { text: e.text, edited: e.editedAt !== undefined, deleted: e.deleted === true };
      view.set(e.seq, { ...shown, reactions: sorted(e.reactions) });
    }
    const m = "target" in e ? view.get(e.target) : undefined;
    if (e.type === "edited" && m && !m.deleted) view.set(e.target, { ...m, text: e.text, edited: true });
    if (e.type === "deleted") view.set(e.target, { text: "", edited: false, deleted: true, reactions: {} });
    if (e.type === "reacted" && m) {
      const names = (m.reactions[e.emoji] ?? []).filter((n) => n !== e.name);
      if (e.on) names.push(e.name);
      if (names.length > 0) m.reactions[e.emoji] = names.sort();
      else delete m.reactions[e.emoji];
    }
  }
}

/** Everything with a seq a socket received, de-duplicated by seq, in order. */
function received(socket: TestClient): LogEvent[] {
  const events: LogEvent[] = [];
  for (const f of socket.frames) {
    if (f.type === "welcome" || f.type === "catchup") events.push(...f.history);
    if (f.type === "message" || f.type === "edited" || f.type === "deleted" || f.type === "moderation") events.push(f);
    if (f.type === "reacted") events.push(f);
  }
  return events;
}

type Step =
  | { kind: "send"; text: string }
  | { kind: "edit"; pick: number; text: string }
  | { kind: "delete"; pick: number }
  | { kind: "react"; pick: number; emoji: string; on: boolean; fan: boolean }
  | { kind: "reconnect" }
  | { kind: "evict" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("send" as const), text: fc.stringMatching(/^[a-z]{1,8}$/) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("edit" as const),
      pick: fc.nat(),
      text: fc.stringMatching(/^[A-Z]{1,8}$/),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("react" as const),
      pick: fc.nat(),
      emoji: fc.constantFrom("👍", "🎉", "❤️"),
      on: fc.boolean(),
      fan: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "reconnect" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "evict" as const }) },
);

describe("the event log", () => {
  it("gives a client that reconnects with `since` the same state as a fresh join, for any interleaving (reactions too)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 20 }), async (steps) => {
        const room = freshRoom();
        const writer = await join(room, "writer");
        const fan = await join(room, "fan");
        // The reader keeps its view across sockets, catching up with `since` as the page does.
        const view = new Map<number, Shown>();
        let reader = await join(room, "reader");
        let lastSeen = 0;
        const absorb = () => {
          const events = received(reader).filter((e) => e.seq > lastSeen);
          apply(view, events);
          lastSeen = Math.max(lastSeen, ...events.map((e) => e.seq));
        };
        const mine: number[] = [];
        for (const s of steps) {
          if (s.kind === "send") {
            const ack = await act(writer, { type: "send", text: s.text });
            if (ack.type === "ack") mine.push(ack.seq);
          } else if (s.kind === "edit" || s.kind === "delete") {
            const target = mine[s.pick % Math.max(1, mine.length)] ?? 1;
            await act(writer, s.kind === "edit" ? { type: "edit", target, text: s.text } : { type: "delete", target });
          } else if (s.kind === "react") {
            const target = mine[s.pick % Math.max(1, mine.length)] ?? 1;
            await act(s.fan ? fan : writer, { type: "react", target, emoji: s.emoji, on: s.on });
          } else if (s.kind === "reconnect") {
            await settle(30);
            absorb();
            reader.close();
            reader = await join(room, "reader", `&since=${lastSeen}`);
            await catchUp(reader);
          } else {
            await evictAwake(env.ROOMS.getByName(room));
            // Where the room is spread over shards (project worker-over-shards), they are evicted too.
            const { shards } = await roomInfo(room);
            for (let k = 1; k <= shards; k++) await evictAwake(env.ROOM_SHARDS.getByName(`${room}#${k}`));
          }
          // The writer waits out the rate limit, as the page's outbox does.
          await new Promise((r) => setTimeout(r, 1000 / 3));
        }
        await settle(100);
        absorb();
        const fresh = await join(room, "fresh");
        const state = new Map<number, Shown>();
        apply(state, fresh.of("welcome")[0]?.history ?? []);
        expect(view).toEqual(state);
        for (const socket of [writer, fan, reader, fresh]) socket.close();
      }),
      { numRuns: 6 },
    );
  }, 120_000);
});
