import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BatchableFrame,
  type ChatMessage,
  LIMITS,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
} from "../../src/shared/protocol";

// The spec, restated independently of src/protocol.ts, as the oracle.
const codePoints = (s: string) => Array.from(s).length;
const hasControl = (s: string, allowed = "") => Array.from(s).some((c) => /\p{Cc}/u.test(c) && !allowed.includes(c));
const validId = (id: unknown) => typeof id === "string" && id.length >= 1 && id.length <= 64 && !hasControl(id);
const validText = (text: unknown) =>
  typeof text === "string" &&
  text.trim().length > 0 &&
  codePoints(text.trim()) <= LIMITS.textMax &&
  !hasControl(text.trim(), "\n\r\t");

// Every code point, control characters and lone surrogates included.
const anyChars = (maxLength: number) => fc.string({ unit: "binary", maxLength });
const anyText = fc.oneof(
  { arbitrary: anyChars(40), weight: 4 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      "",
      "   ",
      "\n\t",
      "a\u0000b",
      "ok\nline",
      " padded ",
      "é".repeat(2000),
      "😀".repeat(2001),
    ),
    weight: 2,
  },
  fc.integer(),
  fc.constant(null),
);
const anyId = fc.oneof(
  { arbitrary: fc.string({ minLength: 1, maxLength: 64 }), weight: 4 },
  anyChars(70),
  fc.constantFrom("", "a".repeat(64), "a".repeat(65), "id\u0007"),
  fc.integer(),
  fc.constant(undefined),
);
const anyType = fc.oneof(
  { arbitrary: fc.constant("send"), weight: 6 },
  fc.constantFrom("typing", "SEND", "message", "welcome"),
  fc.string(),
  fc.integer(),
);
const frameLike = fc.record({ type: anyType, id: anyId, text: anyText }, { requiredKeys: [] });

describe("parseClientMessage properties", () => {
  it("never throws, whatever the frame", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          frameLike.map((f) => JSON.stringify(f)),
        ),
        (data) => {
          const result = parseClientMessage(data);
          expect(typeof result.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("accepts exactly the frames the spec calls valid, normalised", () => {
    fc.assert(
      fc.property(frameLike, (frame) => {
        const result = parseClientMessage(JSON.stringify(frame));
        const spec =
          frame.type === "typing"
            ? { type: "typing" }
            : frame.type === "send" && validId(frame.id) && validText(frame.text)
              ? { type: "send", id: frame.id, text: (frame.text as string).trim() }
              : null;
        if (spec === null) {
          expect(result.ok).toBe(false);
        } else {
          expect(result).toEqual({ ok: true, value: spec });
        }
      }),
      { numRuns: 3000 },
    );
  });
});

const word = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
const seq = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const message: fc.Arbitrary<ChatMessage> = fc.record({
  type: fc.constant("message" as const),
  seq,
  id: word,
  name: word,
  text: fc.string({ unit: "grapheme", maxLength: 200 }),
  ts: seq,
});
const names = fc.array(word, { maxLength: 5 });
const batchable: fc.Arbitrary<BatchableFrame> = fc.oneof(
  message,
  fc.record({ type: fc.constant("ack" as const), id: word, seq, ts: seq }),
  fc.record({
    type: fc.constant("presence" as const),
    event: fc.constantFrom("join" as const, "leave" as const),
    name: word,
    online: names,
    onlineCount: seq,
  }),
  fc.record({ type: fc.constant("presence" as const), event: fc.constant("count" as const), onlineCount: seq }),
  fc.record({ type: fc.constant("typing" as const), name: word }),
  fc.record({
    type: fc.constant("catchup" as const),
    id: word,
    history: fc.array(message, { maxLength: 5 }),
    lastSeq: seq,
    more: fc.boolean(),
  }),
  fc.record(
    {
      type: fc.constant("error" as const),
      code: fc.constantFrom(
        "bad_json" as const,
        "bad_message" as const,
        "too_long" as const,
        "rate_limited" as const,
        "room_full" as const,
      ),
      message: word,
      id: word,
      retryAfterMs: seq,
    },
    { requiredKeys: ["type", "code", "message"] },
  ),
);
const serverFrame: fc.Arbitrary<ServerMessage> = fc.oneof(
  batchable,
  fc.record({ type: fc.constant("batch" as const), frames: fc.array(batchable, { maxLength: 5 }) }),
  fc.record({
    type: fc.constant("welcome" as const),
    room: word,
    name: word,
    online: names,
    onlineCount: seq,
    history: fc.array(message, { maxLength: 5 }),
    lastSeq: seq,
    more: fc.boolean(),
    role: fc.constantFrom("owner" as const, "moderator" as const, "member" as const),
    moderators: names,
    slowSeconds: seq,
    locked: fc.boolean(),
  }),
);

describe("parseServerMessage properties", () => {
  it("round-trips every frame the server sends", () => {
    fc.assert(
      fc.property(serverFrame, (frame) => {
        expect(parseServerMessage(JSON.stringify(frame))).toEqual(frame);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (data) => {
        parseServerMessage(data);
      }),
      { numRuns: 2000 },
    );
  });
});
