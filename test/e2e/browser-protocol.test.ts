import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { confirmName, sendMessage, WAIT_MS, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

// The page against a stand-in room (Playwright's WebSocket routing): version 2
// behaviour the server may not have yet, and failures a real room rarely makes.

const suite = browserSuite("proto");
const { problems } = suite;

type Frame = Record<string, unknown>;

/** A fake room socket: records what the page sends, and sends what the test says. */
async function fakeRoom(page: Page) {
  const room = {
    fromPage: [] as Frame[],
    urls: [] as URL[],
    charsSent: 0,
    socket: null as WebSocketRoute | null,
    send(frame: Frame) {
      const text = JSON.stringify(frame);
      room.charsSent += text.length;
      room.socket?.send(text);
    },
    framesOfType: (type: string) => room.fromPage.filter((f) => f.type === type),
  };
  await page.routeWebSocket(
    (url) => url.pathname.endsWith("/ws"),
    (ws) => {
      room.socket = ws;
      room.charsSent = 0; // counted per socket, like the page
      room.urls.push(new URL(ws.url()));
      ws.onMessage((message) => {
        if (message === "ping") ws.send("pong");
        else if (typeof message === "string") room.fromPage.push(JSON.parse(message) as Frame);
      });
    },
  );
  return room;
}

const message = (seq: number) => ({
  type: "message",
  seq,
  id: `m${seq}`,
  name: "Bob",
  text: `message ${seq}`,
  ts: Date.now(),
});
const welcome = (room: string, extra: Frame) => ({
  type: "welcome",
  room,
  name: "Alice",
  online: ["Alice", "Bob"],
  onlineCount: 2,
  history: [],
  lastSeq: 0,
  more: false,
  ...extra,
});

async function alicePage() {
  return (await suite.person("alice")).page;
}

/** Alice's page, her name confirmed, its first socket open to a fake room. */
async function aliceAtFakeRoom() {
  const roomName = `proto-${crypto.randomUUID()}`;
  const page = await alicePage();
  const room = await fakeRoom(page);
  await page.goto(`${suite.server.url}/${roomName}?name=Alice`);
  await confirmName(page);
  await expect.poll(() => room.urls.length).toBe(1);
  return { roomName, page, room };
}

const texts = (page: Page) => page.getByRole("log").locator(".message .text").allTextContents();

describe("the page and the room's version 2 protocol", () => {
  it("catches up page by page before sending, and reports what it received", async () => {
    const { roomName, page, room } = await aliceAtFakeRoom();
    room.send(welcome(roomName, { history: [message(1), message(2), message(3)], lastSeq: 6, more: true }));
    await waitForStatus(page, "Catching up…");
    await expect.poll(() => room.framesOfType("catchup")).toEqual([expect.objectContaining({ since: 3 })]);

    // Typed while catching up: kept until the page has everything.
    await sendMessage(page, "typed while catching up");
    await page.getByRole("log").getByText("Sending…").waitFor();
    const first = room.framesOfType("catchup")[0] as Frame;
    room.send({ type: "catchup", id: first.id, history: [message(4), message(5)], lastSeq: 6, more: true });
    await expect.poll(() => room.framesOfType("catchup")).toHaveLength(2);
    expect(room.framesOfType("catchup")[1]).toEqual(expect.objectContaining({ since: 5 }));
    expect(room.framesOfType("send")).toEqual([]);

    // Asked too fast: the same page is asked for again once the room allows.
    const refused = room.framesOfType("catchup")[1] as Frame;
    room.send({ type: "error", code: "rate_limited", message: "too many frames", id: refused.id, retryAfterMs: 200 });
    await expect.poll(() => room.framesOfType("catchup")).toHaveLength(3);
    expect(room.framesOfType("catchup")[2]).toEqual(expect.objectContaining({ since: 5 }));

    const second = room.framesOfType("catchup")[2] as Frame;
    room.send({ type: "catchup", id: second.id, history: [message(6)], lastSeq: 6, more: false });
    await waitForStatus(page, "Connected");
    await expect.poll(() => room.framesOfType("send")).toHaveLength(1);
    const send = room.framesOfType("send")[0] as Frame;
    expect(send.text).toBe("typed while catching up");
    room.send({ type: "ack", id: send.id, seq: 7, ts: Date.now() });
    await page.getByRole("log").getByText("Sent", { exact: true }).waitFor();
    expect(await texts(page)).toEqual([
      "message 1",
      "message 2",
      "message 3",
      "message 4",
      "message 5",
      "message 6",
      "typed while catching up",
    ]);

    // The page says how much it received: every text frame's length but pong's.
    await expect
      .poll(() => room.framesOfType("received").at(-1), { timeout: WAIT_MS })
      .toEqual({ type: "received", chars: room.charsSent });

    // "Too far behind": it comes back by itself, asking from the last seq it has.
    await room.socket?.close({ code: 1013, reason: "too far behind" });
    await expect.poll(() => room.urls.length, { timeout: WAIT_MS }).toBe(2);
    expect(room.urls[1]?.searchParams.get("since")).toBe("7");
    expect(problems.take()).toEqual([]);
  });

  it("retries a message the room could not store once by itself, then offers Retry", async () => {
    const { roomName, page, room } = await aliceAtFakeRoom();
    room.send(welcome(roomName, {}));
    await waitForStatus(page, "Connected");

    await sendMessage(page, "keep this");
    await expect.poll(() => room.framesOfType("send")).toHaveLength(1);
    const id = room.framesOfType("send")[0]?.id;
    const refuse = () => room.send({ type: "error", code: "not_stored", message: "the room could not store it", id });
    refuse();
    // Tried again by itself, with the same id.
    await expect.poll(() => room.framesOfType("send"), { timeout: WAIT_MS }).toHaveLength(2);
    expect(room.framesOfType("send")[1]?.id).toBe(id);
    refuse();
    const own = page.getByRole("log").getByRole("listitem").filter({ hasText: "keep this" });
    await own.getByText("Not sent").waitFor();
    await own.getByText("The room could not store it.").waitFor();
    await own.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => room.framesOfType("send")).toHaveLength(3);
    expect(room.framesOfType("send")[2]?.id).toBe(id);
    room.send({ type: "ack", id, seq: 1, ts: Date.now() });
    await own.getByText("Sent", { exact: true }).waitFor();
    expect(problems.take()).toEqual([]);
  });

  it("applies edits, deletions and moderation from the log, re-sends an unanswered edit after a reconnect, and starts afresh when the room was wiped", async () => {
    const { roomName, page, room } = await aliceAtFakeRoom();
    const own = { ...message(2), id: "a2", name: "Alice", text: "my typo" };
    room.send(welcome(roomName, { history: [message(1), own], lastSeq: 2 }));
    await waitForStatus(page, "Connected");
    const log = page.getByRole("log");

    room.send({ type: "edited", seq: 3, target: 1, text: "message 1, fixed", name: "Bob", ts: Date.now() });
    room.send({ type: "moderation", seq: 4, action: "kick", name: "Mallory", by: "Bob", ts: Date.now() });
    await log.getByText("message 1, fixed", { exact: true }).waitFor();
    await log.getByRole("listitem").filter({ hasText: "message 1, fixed" }).getByText("(edited)").waitFor();
    await log.getByText("Mallory was removed by Bob").waitFor();

    // An edit the room has not answered when the link drops...
    const mine = log.getByRole("listitem").filter({ hasText: "my typo" });
    await mine.getByRole("button", { name: "Edit your message", exact: true }).click();
    await page.getByLabel("Message", { exact: true }).fill("my text");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    await expect.poll(() => room.framesOfType("edit")).toHaveLength(1);
    const edit = room.framesOfType("edit")[0] as Frame;
    expect(edit).toMatchObject({ type: "edit", target: 2, text: "my text" });
    await room.socket?.close({ code: 1012, reason: "restart" });
    await expect.poll(() => room.urls.length, { timeout: WAIT_MS }).toBe(2);
    expect(room.urls[1]?.searchParams.get("since")).toBe("4");
    // ...the catch-up brings what happened meanwhile, then the edit goes again with the same id.
    room.send(
      welcome(roomName, { history: [{ type: "deleted", seq: 5, target: 1, by: "Bob", ts: Date.now() }], lastSeq: 5 }),
    );
    await log.getByText("Message deleted", { exact: true }).waitFor();
    await expect.poll(() => room.framesOfType("edit")).toHaveLength(2);
    expect(room.framesOfType("edit")[1]).toEqual(edit);
    room.send({ type: "ack", id: edit.id, seq: 6, ts: Date.now() });
    await log.getByText("my text", { exact: true }).waitFor();
    expect(await log.getByText("my typo").count()).toBe(0);

    // The room was emptied (its seqs start again): the page drops what it showed and asks for the latest.
    await room.socket?.close({ code: 1012, reason: "restart" });
    await expect.poll(() => room.urls.length, { timeout: WAIT_MS }).toBe(3);
    expect(room.urls[2]?.searchParams.get("since")).toBe("6");
    room.send(welcome(roomName, { history: [], lastSeq: 1 }));
    const latest = () => room.framesOfType("older").filter((f) => f.before === Number.MAX_SAFE_INTEGER);
    await expect.poll(latest).toHaveLength(1);
    room.send({
      type: "older",
      id: latest()[0]?.id,
      messages: [{ ...message(1), text: "a fresh start" }],
      more: false,
    });
    await log.getByText("a fresh start", { exact: true }).waitFor();
    expect(await texts(page)).toEqual(["a fresh start"]);
    await log.getByText(`This is the beginning of #${roomName}`).waitFor();
    expect(problems.take()).toEqual([]);
  });

  it("says why it was refused, and waits before trying a full room again", async () => {
    const { page, room } = await aliceAtFakeRoom();
    room.send({ type: "error", code: "room_full", message: "this room is full (5000 connections); try again later" });
    await room.socket?.close({ code: 1013, reason: "room full" });
    await waitForStatus(page, "Room is full: retrying…");
    // A refused page waits at least 5 s: it does not join a crowd hammering the room.
    await page.waitForTimeout(3_000);
    expect(room.urls).toHaveLength(1);

    await expect.poll(() => room.urls.length, { timeout: 35_000 }).toBe(2);
    room.send({ type: "error", code: "name_taken", message: "the name Alice is taken in this room" });
    await room.socket?.close({ code: 1008, reason: "name_taken" });
    await page.getByRole("alert").getByText("Someone else in this room goes by “Alice”").waitFor();
    await waitForStatus(page, "Not connected: pick another name");
    expect(problems.take()).toEqual([]);
  });
});
