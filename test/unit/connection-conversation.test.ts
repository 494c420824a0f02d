import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/client/connection/outbox";
import { FakeRoom, useFakeClock } from "./fake-room";

// Replies and reactions go through the outbox like any write: in order, kept across reloads.

useFakeClock();

describe("replies and reactions from the page", () => {
  it("sends a reply with its replyTo and a reaction as a react frame, in the order written", () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    const reply = room.connection.send("agreed", 7);
    room.connection.change({ type: "react", target: 7, emoji: "👍", on: true });
    expect(socket.framesOf("send")).toEqual([{ type: "send", id: reply.id, text: "agreed", replyTo: 7 }]);
    expect(socket.framesOf("react")).toEqual([]);
    socket.receive({ type: "ack", id: reply.id, seq: 8, ts: 8 });
    expect(socket.framesOf("react")).toEqual([
      { type: "react", id: expect.any(String), target: 7, emoji: "👍", on: true },
    ]);
  });

  it("keeps both across a reload: read back from the store with their fields", () => {
    const room = new FakeRoom();
    room.connection.start();
    room.connection.send("agreed", 7);
    room.connection.change({ type: "react", target: 7, emoji: "🎉", on: false });
    const store = {
      read: (key: string) => room.store.get(key),
      write: (key: string, value: unknown) => room.store.set(key, value),
    };
    const entries = new Outbox("lobby", store).entries();
    expect(entries.map((e) => ({ replyTo: e.replyTo, change: e.change }))).toEqual([
      { replyTo: 7, change: undefined },
      { replyTo: undefined, change: { type: "react", target: 7, emoji: "🎉", on: false } },
    ]);
  });
});
