import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AckFrame, type ChatMessage, parseClientMessage } from "../../src/shared/protocol";
import { catchUp, evictAwake, freshRoom, join, settle, type TestClient } from "./helpers";

const PEOPLE = ["ann", "ben", "cat"] as const;
type Person = (typeof PEOPLE)[number];

type Command =
  | { kind: "send"; who: Person; text: string }
  | { kind: "retry"; who: Person; pick: number }
  | { kind: "bad"; who: Person; frame: string }
  | { kind: "evict" }
  | { kind: "reconnect"; who: Person };

const who = fc.constantFrom(...PEOPLE);
// Texts a person could send: the parser accepts them.
const goodText = fc
  .string({ minLength: 1, maxLength: 40, unit: "grapheme" })
  .filter((text) => parseClientMessage(JSON.stringify({ type: "send", id: "x", text })).ok);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("send" as const),
      who,
      text: goodText,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("retry" as const), who, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bad" as const),
      who,
      frame: fc.constantFrom(
        "{nope",
        JSON.stringify({ type: "send", id: "bad-1", text: "lone \ud800" }),
        JSON.stringify({ type: "send", id: "\udfff", text: "hi" }),
        JSON.stringify({ type: "send", id: "bad-2", text: "x".repeat(2001) }),
        JSON.stringify({ type: "send", id: "bad-3", text: "ctrl \u0007" }),
        JSON.stringify({ type: "catchup", id: "c", since: -1 }),
        JSON.stringify({ type: "received", chars: "many" }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "evict" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reconnect" as const), who }) },
);

/** One person: the sockets they used, and every message they received or had acked, by seq. */
class Participant {
  sockets: TestClient[] = [];
  // Frames a socket got after its person left it are not read, as on the page.
  readonly #framesWhenLeft = new Map<TestClient, number>();
  readonly acked = new Map<string, AckFrame>();

  constructor(
    readonly room: string,
    readonly name: Person,
  ) {}

  get current(): TestClient {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error("not connected");
    return socket;
  }

  /** The seqs this person has seen, with repeats: history, live messages and own acks. */
  seen(): number[] {
    const seqs: number[] = [];
    for (const socket of this.sockets) {
      for (const frame of socket.frames.slice(0, this.#framesWhenLeft.get(socket))) {
        if (frame.type === "welcome" || frame.type === "catchup") seqs.push(...frame.history.map((m) => m.seq));
        if (frame.type === "message") seqs.push(frame.seq);
      }
    }
    return [...seqs, ...[...new Set([...this.acked.values()].map((a) => a.seq))]];
  }

  lastSeq(): number {
    return Math.max(0, ...this.seen());
  }

  leave(): void {
    this.#framesWhenLeft.set(this.current, this.current.frames.length);
    this.current.close();
  }

  async connect(): Promise<void> {
    const since = this.sockets.length === 0 ? "" : `&since=${this.lastSeq()}`;
    const socket = await join(this.room, this.name, since);
    this.sockets.push(socket);
    await catchUp(socket);
  }

  /** Sends and waits for the ack, waiting out the rate limit as the page does. */
  async send(id: string, text: string): Promise<AckFrame> {
    for (;;) {
      const socket = this.current;
      const from = socket.frames.length;
      socket.send({ type: "send", id, text });
      const answer = await Promise.race([
        socket.next("ack", (a) => a.id === id, from),
        socket.next("error", (e) => e.id === id, from),
      ]);
      if (answer.type === "ack") return answer;
      expect(answer.code).toBe("rate_limited");
      await new Promise((r) => setTimeout(r, answer.retryAfterMs ?? 400));
    }
  }
}

describe("model: every ack means stored, seqs are unique and ordered, everyone sees every message once", () => {
  it("holds for any mix of good and bad frames, retries, evictions and reconnects", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 25 }), async (commands) => {
        const room = freshRoom();
        const people = PEOPLE.map((name) => new Participant(room, name));
        const person = (name: Person) => people.find((p) => p.name === name) as Participant;
        for (const p of people) await p.connect();
        // The model: what each person has been told is stored.
        const model = new Map<string, { seq: number; text: string }>();
        let counter = 0;

        for (const c of commands) {
          switch (c.kind) {
            case "send": {
              const id = `${c.who}-${counter++}`;
              const ack = await person(c.who).send(id, c.text);
              person(c.who).acked.set(id, ack);
              model.set(`${c.who}/${id}`, { seq: ack.seq, text: c.text.trim() });
              break;
            }
            case "retry": {
              const ids = [...person(c.who).acked.keys()];
              if (ids.length === 0) break;
              const id = ids[c.pick % ids.length] as string;
              const again = await person(c.who).send(id, "a retry never stores its text");
              expect(again).toEqual(person(c.who).acked.get(id));
              break;
            }
            case "bad": {
              const socket = person(c.who).current;
              const from = socket.frames.length;
              socket.sendRaw(c.frame);
              const error = await socket.next("error", () => true, from);
              expect(["bad_json", "bad_message", "too_long", "rate_limited"]).toContain(error.code);
              break;
            }
            case "evict":
              await evictAwake(env.ROOMS.getByName(room));
              break;
            case "reconnect":
              person(c.who).leave();
              await person(c.who).connect();
              break;
          }
        }

        // Everyone catches up once more, as a page does after any gap.
        await settle(200);
        for (const p of people) {
          p.leave();
          await p.connect();
        }
        const stored = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) =>
          state.storage.sql
            .exec<{ seq: number; text: string }>("SELECT seq, text FROM messages ORDER BY seq")
            .toArray(),
        );
        // Seqs are unique, ordered and without gaps; every ack names a stored message with the acked text.
        expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
        for (const { seq, text } of model.values()) expect(stored[seq - 1]).toEqual({ seq, text });
        expect(stored).toHaveLength(model.size);
        // Each person saw each stored message exactly once, across all their sockets.
        for (const p of people) {
          const seen = p.seen().sort((a, b) => a - b);
          expect(seen).toEqual(stored.map((m) => m.seq));
        }
        // And what they saw is what was stored.
        const live: ChatMessage[] = people.flatMap((p) => p.sockets.flatMap((s) => s.of("message")));
        for (const m of live) expect(stored[m.seq - 1]?.text).toBe(m.text);
        for (const p of people) p.current.close();
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
