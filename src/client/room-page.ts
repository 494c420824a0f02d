import { LIMITS, parseName } from "../protocol";
import { canonicalRoom } from "../room-name";
import { ChatConnection, type ConnectionState } from "./chat-connection";
import { ChatLog } from "./chat-log";
import { byId, el } from "./dom";

const NAME_KEY = "parley:name";
// How long "X is typing…" stays up without a new notice (they come every 2 s).
const TYPING_SHOWN_MS = 4_000;
const COPY_FEEDBACK_MS = 2_500;
const STATUS_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  full: "Room is full: retrying…",
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

const presetName = new URLSearchParams(location.search).get("name") ?? readStoredName();
const preset = presetName === null ? null : parseName(presetName);
if (preset?.ok) {
  enterRoom(preset.value);
} else {
  askForName();
}

function readStoredName(): string | null {
  try {
    return localStorage.getItem(NAME_KEY);
  } catch {
    return null; // storage disabled
  }
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
    try {
      localStorage.setItem(NAME_KEY, name.value);
    } catch {
      // Not kept, but the chat still works.
    }
    joinSection.hidden = true;
    enterRoom(name.value);
  });
}

function enterRoom(name: string): void {
  chatSection.hidden = false;
  const scroller = byId("log-scroller", HTMLElement);
  const log = new ChatLog(byId("log", HTMLOListElement), scroller, byId("jump", HTMLButtonElement));
  const onlineList = byId("online", HTMLUListElement);
  const onlineCount = byId("online-count", HTMLElement);
  const typingLine = byId("typing", HTMLElement);
  const form = byId("message-form", HTMLFormElement);
  const input = byId("message-input", HTMLTextAreaElement);
  const formError = byId("message-error", HTMLElement);
  const typers = new Map<string, ReturnType<typeof setTimeout>>();
  let unread = 0;

  // A big room lists the first names only; the count is always everyone.
  const showOnline = ({ online, onlineCount: count }: { online: string[]; onlineCount: number }) => {
    const items = online.map((n) => el("li", n === name ? "me" : undefined, n));
    if (count > online.length) items.push(el("li", "more", `and ${count - online.length} more`));
    onlineList.replaceChildren(...items);
    onlineCount.textContent = String(count);
  };
  const showTypers = () => {
    const names = [...typers.keys()];
    typingLine.textContent =
      names.length === 0
        ? ""
        : names.length === 1
          ? `${names[0]} is typing…`
          : names.length === 2
            ? `${names[0]} and ${names[1]} are typing…`
            : "Several people are typing…";
  };
  const stopTyping = (who: string) => {
    clearTimeout(typers.get(who));
    if (typers.delete(who)) showTypers();
  };
  const countUnread = () => {
    if (!document.hidden) return;
    unread++;
    document.title = `(${unread}) #${room} · Parley`;
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    unread = 0;
    document.title = `#${room} · Parley`;
  });

  let welcomed = false;
  const connection = new ChatConnection(location.href, room, name, {
    state(state) {
      status.textContent = STATUS_TEXT[state];
      status.dataset.state = state;
      chatSection.dataset.connection = state; // the Online list dims while it may be stale
    },
    welcome(frame) {
      showOnline(frame);
      if (!welcomed && frame.history.length === 0) log.addNotice(`Welcome to #${room}. Say hello!`);
      welcomed = true;
    },
    message(message) {
      stopTyping(message.name);
      log.addMessage(message, message.name === name);
      countUnread();
    },
    outbox(entry, seq) {
      log.updateOwn(entry, name, seq);
    },
    presence(frame) {
      showOnline(frame);
      if (frame.name !== name) log.addNotice(`${frame.name} ${frame.event === "join" ? "joined" : "left"}`);
      if (frame.event === "leave") stopTyping(frame.name);
    },
    typing(who) {
      clearTimeout(typers.get(who));
      typers.set(
        who,
        setTimeout(() => stopTyping(who), TYPING_SHOWN_MS),
      );
      showTypers();
    },
    error(frame) {
      formError.textContent = frame.message;
    },
  });
  log.onRetry = (id) => {
    connection.retry(id);
    input.focus(); // the Retry button is gone now
  };

  // Grow with the text up to the CSS max-height, then scroll inside.
  const fitInput = () => {
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
  };
  const submit = () => {
    const text = input.value.trim();
    if (text.length === 0) return;
    if ([...text].length > LIMITS.textMax) {
      formError.textContent = `Messages are at most ${LIMITS.textMax} characters.`;
      return;
    }
    formError.textContent = "";
    connection.send(text);
    input.value = "";
    fitInput();
    input.focus();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter makes a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => {
    fitInput();
    if (input.value.trim() !== "") connection.typing();
  });

  connection.start();
  input.focus();
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
