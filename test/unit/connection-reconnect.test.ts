import { describe, expect, it, vi } from "vitest";
import { FakeRoom, history, refusalResponse, useFakeClock } from "./fake-room";

// The socket's life: backoff, heartbeat, asking why a socket was refused.

useFakeClock();

describe("reconnecting", () => {
  it("reopens within 0..1 s after a drop, asking since the last seq it holds", async () => {
    const room = new FakeRoom();
    room.connection.start();
    room.welcome({ history: history(1, 3), lastSeq: 3 });
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(999);
    expect(room.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(room.sockets).toHaveLength(2);
    expect(room.socket.url.searchParams.get("since")).toBe("3");
    expect(room.socket.url.searchParams.get("name")).toBe("Ann");
    expect(room.states()).toEqual(["connecting", "connected", "reconnecting", "reconnecting"]);
    // A drop after a welcome is no refusal: nobody is asked why.
    expect(room.asked).toHaveLength(0);
  });

  it("waits twice as long after each failed attempt, up to 10 s", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const before = room.sockets.length;
      room.socket.serverClose(1006);
      let waited = 0;
      while (room.sockets.length === before) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    // The first question went unanswered (the server is down): not asked again until a welcome.
    expect(room.asked).toHaveLength(1);
  });

  it("starts again from a short wait once welcomed", async () => {
    const room = new FakeRoom();
    room.connection.start();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(2_000);
    room.welcome();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(room.sockets).toHaveLength(4);
  });

  it("drops a socket whose pong does not come, and reconnects", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(socket.sent).toContain("ping");
    socket.handlers.message("pong");
    await vi.advanceTimersByTimeAsync(25_000);
    expect(socket.closedBy).toBeNull();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.closedBy).toEqual({ code: 4000, reason: "heartbeat timeout" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(room.sockets).toHaveLength(2);
  });

  it("waits offline for the network, then goes at once", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    room.goOffline();
    expect(socket.closedBy).toEqual({ code: 1000, reason: "offline" });
    expect(room.states().at(-1)).toBe("offline");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(room.sockets).toHaveLength(1);
    room.goOnline();
    expect(room.sockets).toHaveLength(2);
  });

  it("ignores the events of a socket it has replaced", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const first = room.welcome();
    room.connection.useName("Bo");
    expect(first.closedBy?.code).toBe(1000);
    expect(room.sockets).toHaveLength(2);
    first.handlers.close(1000);
    first.handlers.message(JSON.stringify({ type: "typing", name: "Cy" }));
    expect(room.eventsNamed("typing")).toEqual([]);
    expect(room.sockets).toHaveLength(2);
    expect(room.socket.url.searchParams.get("name")).toBe("Bo");
  });
});

describe("refusals", () => {
  it("asks why with the preflight GET and stops on a taken name until given another", async () => {
    const room = new FakeRoom();
    room.answer = async () => refusalResponse(409, "name_taken", "the name Ann is taken");
    room.connection.start();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    const [asked] = room.asked;
    expect(asked?.protocol).toBe("https:");
    expect(asked?.pathname).toBe("/api/rooms/lobby/ws");
    expect(asked?.searchParams.get("name")).toBe("Ann");
    expect(room.eventsNamed("refused")).toEqual([
      ["refused", { code: "name_taken", message: "the name Ann is taken" }],
    ]);
    expect(room.states().at(-1)).toBe("stopped");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(room.sockets).toHaveLength(1);
    room.connection.useName("Ann B");
    expect(room.sockets).toHaveLength(2);
    expect(room.socket.url.searchParams.get("name")).toBe("Ann B");
  });

  it("waits 5 to 30 s when the room is full, then tries again", async () => {
    const room = new FakeRoom();
    room.answer = async () => refusalResponse(503, "room_full", "the room is full");
    room.connection.start();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(room.states().at(-1)).toBe("full");
    await vi.advanceTimersByTimeAsync(29_999);
    expect(room.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(room.sockets).toHaveLength(2);
  });

  it("waits as long as Retry-After says after too many attempts", async () => {
    const room = new FakeRoom();
    room.answer = async () => refusalResponse(429, "too_many_requests", "slow down", 7);
    room.connection.start();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(room.eventsNamed("refused")[0]?.[1]).toEqual({
      code: "too_many_requests",
      message: "slow down",
      retryAfterMs: 7_000,
    });
    expect(room.states().at(-1)).toBe("limited");
    await vi.advanceTimersByTimeAsync(6_999);
    expect(room.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(room.sockets).toHaveLength(2);
  });

  it("retries as after any drop when the preflight would let it in (426)", async () => {
    const room = new FakeRoom();
    room.answer = async () => new Response(null, { status: 426 });
    room.connection.start();
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(room.asked).toHaveLength(1);
    expect(room.eventsNamed("refused")).toEqual([]);
    expect(room.sockets).toHaveLength(2);
  });

  it("acts on a refusal the room said before closing, without asking", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    socket.receive({ type: "error", code: "kicked", message: "you were removed by Bo" });
    socket.serverClose(1008);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(room.asked).toHaveLength(0);
    expect(room.eventsNamed("refused")).toEqual([["refused", { code: "kicked", message: "you were removed by Bo" }]]);
    expect(room.sockets).toHaveLength(1);
    room.connection.resume();
    expect(room.sockets).toHaveLength(2);
  });
});
