import { describe, expect, it } from "vitest";
import {
  charLength,
  parseClientMessage,
  parseName,
  parseServerMessage,
  parseSince,
  unbatch,
} from "../../src/shared/protocol";

describe("parseClientMessage", () => {
  it("accepts a send, trimming its text", () => {
    expect(parseClientMessage('{"type":"send","id":"a","text":"  hi  "}')).toEqual({
      ok: true,
      value: { type: "send", id: "a", text: "hi" },
    });
  });

  it("accepts typing and ignores extra fields", () => {
    expect(parseClientMessage('{"type":"typing","extra":1}')).toEqual({ ok: true, value: { type: "typing" } });
  });

  it("keeps line breaks inside a message", () => {
    const parsed = parseClientMessage(JSON.stringify({ type: "send", id: "a", text: "line 1\nline 2" }));
    expect(parsed).toMatchObject({ ok: true, value: { text: "line 1\nline 2" } });
  });

  it("says exactly what was wrong", () => {
    expect(parseClientMessage('{"type":"send","id":"a","text":""}')).toEqual({
      ok: false,
      code: "bad_message",
      message: "text must not be empty",
      id: "a",
    });
    expect(parseClientMessage("{")).toMatchObject({ ok: false, code: "bad_json", message: "frame is not valid JSON" });
  });
});

describe("parseName and parseSince", () => {
  it("trims names and counts characters, not UTF-16 units", () => {
    expect(parseName("  bo  ")).toEqual({ ok: true, value: "bo" });
    expect(parseName("🙂".repeat(32))).toMatchObject({ ok: true });
    expect(parseName("🙂".repeat(33))).toMatchObject({ ok: false });
    expect(charLength("🙂é")).toBe(2);
  });

  it("reads since as a whole number or absent", () => {
    expect(parseSince(null)).toEqual({ ok: true, value: undefined });
    expect(parseSince("0")).toEqual({ ok: true, value: 0 });
    expect(parseSince("42")).toEqual({ ok: true, value: 42 });
    expect(parseSince("-1")).toMatchObject({ ok: false });
  });
});

describe("parseServerMessage", () => {
  it("reads a batch as its frames in order", () => {
    const frame = parseServerMessage(
      JSON.stringify({
        type: "batch",
        frames: [
          { type: "message", seq: 1, id: "a", name: "n", text: "t", ts: 5 },
          { type: "typing", name: "n" },
        ],
      }),
    );
    expect(frame && unbatch(frame).map((f) => f.type)).toEqual(["message", "typing"]);
  });

  it("refuses frames that do not fit the protocol", () => {
    expect(parseServerMessage('{"type":"message","seq":"1"}')).toBeNull();
    expect(parseServerMessage('{"type":"batch","frames":[{"type":"welcome"}]}')).toBeNull();
    expect(parseServerMessage("pong")).toBeNull();
  });
});
