import { parseName } from "../protocol";
import { canonicalRoom } from "../room-name";
import { Announcer } from "./announcer";
import { Attention } from "./attention";
import { readText, writeText } from "./browser-store";
import { ChatConnection, type ConnectionState } from "./chat-connection";
import { ChatLog } from "./chat-log";
import { Composer } from "./composer";
import { byId, el } from "./dom";
import { Notifier } from "./notifier";
import { Outbox } from "./outbox";
import { type PresenceChange, PresenceLines, presenceText } from "./presence-lines";
import { rememberRoom } from "./recent-rooms";
import { TypingIndicator } from "./typing-indicator";

const NAME_KEY = "parley:name";
const COPY_FEEDBACK_MS = 2_500;
const STATUS_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  "catching-up": "Catching up…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  full: "Room is full: retrying…",
  busy: "Too many connections from your network: retrying…",
};

const room = canonicalRoom(location.pathname.slice(1)) ?? "lobby";
const joinSection = byId("join", HTMLElement);
const chatSection = byId("chat", HTMLElement);
const status = byId("status", HTMLElement);

const roomTitle = byId("room-title", HTMLElement);
roomTitle.textContent = `#${room}`;
roomTitle.title = `#${room}`; // the full name when a phone cuts it short
document.title = `#${room} · Parley`;
setUpCopyLink();

const presetName = new URLSearchParams(location.search).get("name") ?? readText(NAME_KEY);
const preset = presetName === null ? null : parseName(presetName);
if (preset?.ok) {
  enterRoom(preset.value);
} else {
  askForName();
}

function askForName(): void {
  const form = byId("name-form", HTMLFormElement);
  const input = byId("name-input", HTMLInputElement);
  const error = byId("name-error", HTMLElement);
  joinSection.hidden = false;
  status.textContent = "Not connected";
  input.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = parseName(input.value);
    if (!name.ok) {
      error.textContent = `Your name ${name.message.replace(/^name /, "")}.`;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    writeText(NAME_KEY, name.value);
    joinSection.hidden = true;
    enterRoom(name.value);
  });
}

function enterRoom(name: string): void {
  chatSection.hidden = false;
  rememberRoom(room);
  const outbox = new Outbox(room);
  const onlineList = byId("online", HTMLUListElement);
  const onlineCount = byId("online-count", HTMLElement);
  const announcer = new Announcer(byId("announcer", HTMLElement));
  const typing = new TypingIndicator(byId("typing", HTMLElement));
  const notifier = new Notifier(byId("notify", HTMLButtonElement), room);
  const composer = new Composer(
    {
      form: byId("message-form", HTMLFormElement),
      input: byId("message-input", HTMLTextAreaElement),
      counter: byId("message-count", HTMLElement),
      error: byId("message-error", HTMLElement),
    },
    room,
  );
  const attention = new Attention(room, (seenBefore) => log.markNewAfter(seenBefore));
  // Read before this visit's history marks anything read.
  const lastReadBefore = attention.lastRead();
  const me = () => connection.name;
  const log = new ChatLog(
    byId("log", HTMLOListElement),
    byId("log-scroller", HTMLElement),
    byId("jump", HTMLButtonElement),
    me,
  );

  // Consecutive presence lines of one kind grow one line instead of adding more.
  let lastLine: { item: HTMLLIElement; change: PresenceChange } | null = null;
  const presence = new PresenceLines(me, (change) => {
    if (lastLine && log.lastStored() === lastLine.item && lastLine.change.event === change.event) {
      lastLine.change.names.push(...change.names);
      lastLine.item.textContent = presenceText(lastLine.change);
    } else {
      lastLine = { item: log.addNotice(presenceText(change), "notice presence"), change };
    }
    announcer.say(presenceText(change));
  });

  // A big room lists the first names only; the count is always everyone.
  const showOnline = ({ online, onlineCount: count }: { online: string[]; onlineCount: number }) => {
    const items = online.map((n) => {
      const item = el("li", n === me() ? "me" : undefined, n);
      item.dir = "auto";
      return item;
    });
    if (count > online.length) items.push(el("li", "more", `and ${count - online.length} more`));
    onlineList.replaceChildren(...items);
    onlineCount.textContent = String(count);
  };

  let welcomed = false;
  const connection = new ChatConnection(location.href, room, name, outbox, {
    state(state) {
      status.textContent = STATUS_TEXT[state];
      status.dataset.state = state;
      chatSection.dataset.connection = state; // the Online list dims while it may be stale
    },
    welcome(frame, reconnected) {
      showOnline(frame);
      presence.welcome(frame.online, frame.onlineCount <= frame.online.length);
      if (!reconnected) {
        if (frame.history.length === 0) log.addNotice(`Welcome to #${room}. Say hello!`);
        else if (lastReadBefore > 0) log.markNewAfter(lastReadBefore);
      }
      welcomed = true;
    },
    message(message, live) {
      typing.stop(message.name);
      if (live) presence.spoke(message.name);
      const mine = message.name === me();
      const mentioned = log.addMessage(message, mine);
      attention.seen(message.seq, !mine, live);
      if (!live || mine || !welcomed) return;
      announcer.say(`${message.name}: ${message.text}`);
      notifier.message(message.name, message.text, mentioned, attention.away());
    },
    outbox(entry, stored) {
      log.updateOwn(entry, stored);
      if (stored) attention.seen(stored.seq, false, false);
    },
    presence(frame) {
      showOnline(frame);
      if (frame.event === "join") presence.join(frame.name);
      else {
        presence.leave(frame.name);
        typing.stop(frame.name);
      }
    },
    typing(who) {
      typing.typing(who);
    },
    error(frame) {
      // Identity and moderation refusals too: said in the room's words, never thrown.
      composer.say(frame.message);
    },
  });
  log.actions = {
    retry(id) {
      connection.retry(id);
      composer.focus(); // the Retry button is gone now
    },
    edit(id, text) {
      connection.discard(id);
      log.removeOwn(id);
      composer.edit(text);
    },
    discard(id) {
      connection.discard(id);
      log.removeOwn(id);
      composer.focus();
    },
  };
  composer.onSend = (text) => connection.send(text);
  composer.onTyping = () => connection.typing();
  // Unsent messages survive closing (they are kept in this browser), but only reach the room when the page is back.
  addEventListener("beforeunload", (event) => {
    if (!outbox.hasUnsent()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  connection.start();
  composer.focus();
}

function setUpCopyLink(): void {
  const button = byId("copy-link", HTMLButtonElement);
  const feedback = byId("copy-feedback", HTMLElement);
  let clear: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener("click", async () => {
    const link = `${location.origin}/${room}`;
    clearTimeout(clear);
    try {
      await navigator.clipboard.writeText(link);
      feedback.textContent = "Link copied";
      clear = setTimeout(() => {
        feedback.textContent = "";
      }, COPY_FEEDBACK_MS);
    } catch {
      // No clipboard (an insecure origin, or permission refused): show the link to copy by hand.
      feedback.textContent = link;
    }
  });
}
