import { parseName } from "../protocol";
import { canonicalRoom } from "../room-name";
import { Announcer } from "./announcer";
import { Attention } from "./attention";
import { readText, writeText } from "./browser-store";
import { ChatConnection, type ConnectionState } from "./chat-connection";
import { ChatLog, moderationText } from "./chat-log";
import { Composer } from "./composer";
import { ConfirmDialog } from "./confirm-dialog";
import { byId, el } from "./dom";
import { MyNames } from "./my-names";
import { NameDialog } from "./name-dialog";
import { Notifier } from "./notifier";
import { OnlineList } from "./online-list";
import { Outbox } from "./outbox";
import { type PresenceChange, PresenceLines, presenceText } from "./presence-lines";
import { rememberRoom } from "./recent-rooms";
import { refusalKind } from "./refusal";
import { refusalWords } from "./refusal-text";
import { forgetSignIn, forgetToken, readSignIn, rememberSignIn } from "./sign-in";
import { TypingIndicator } from "./typing-indicator";

const NAME_KEY = "parley:name";
/** What the notice offers: a button that acts here, or a link away (to sign in). */
type NoticeAction = { label: string; run: () => void } | { label: string; href: string };
const COPY_FEEDBACK_MS = 2_500;
const STATUS_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  "catching-up": "Catching up…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  full: "Room is full: retrying…",
  busy: "Too many connections from your network: retrying…",
  limited: "Too many attempts: waiting…",
  stopped: "Not connected",
};

const room = canonicalRoom(location.pathname.slice(1)) ?? "lobby";
const chatSection = byId("chat", HTMLElement);
const status = byId("status", HTMLElement);
const nameDialog = new NameDialog();

const roomTitle = byId("room-title", HTMLElement);
roomTitle.textContent = `#${room}`;
roomTitle.title = `#${room}`; // the full name when a phone cuts it short
document.title = `#${room} · Parley`;
setUpCopyLink();

const signIn = readSignIn(room);
const storedName = validName(readText(NAME_KEY));
// A name in the link is only a suggestion: someone else chose it, so the person confirms it.
const linkName = new URLSearchParams(location.search).get("name");
if (signIn.required) {
  // The sign-in says who this is and the room gives the name; without one, the room says to sign in.
  enterRoom(null);
} else if (storedName !== null && (linkName === null || linkName.trim() === storedName)) {
  enterRoom(storedName);
} else {
  status.textContent = "Not connected";
  nameDialog.onName = (name) => {
    nameDialog.close();
    forgetLinkName();
    enterRoom(name);
  };
  nameDialog.open({ value: linkName ?? storedName ?? "", modal: false });
}

function validName(raw: string | null): string | null {
  const parsed = raw === null ? null : parseName(raw);
  return parsed?.ok ? parsed.value : null;
}

/** Once a name is confirmed, the link's suggestion has served: a reload should not suggest it again. */
function forgetLinkName(): void {
  const url = new URL(location.href);
  if (!url.searchParams.has("name")) return;
  url.searchParams.delete("name");
  history.replaceState(history.state, "", url);
}

function enterRoom(name: string | null): void {
  chatSection.hidden = false;
  rememberRoom(room);
  const outbox = new Outbox(room);
  const myNames = new MyNames(room);
  const announcer = new Announcer(byId("announcer", HTMLElement));
  const typing = new TypingIndicator(byId("typing", HTMLElement));
  const notifier = new Notifier(byId("notify", HTMLButtonElement), room);
  const confirm = new ConfirmDialog();
  const notice = byId("notice", HTMLElement);
  const noticeText = byId("notice-text", HTMLElement);
  const noticeAction = byId("notice-action", HTMLButtonElement);
  const changeName = byId("change-name", HTMLButtonElement);
  // Made here, not in the markup: a link without an address is no link.
  const noticeLink = el("a", "notice-link");
  noticeLink.hidden = true;
  noticeAction.after(noticeLink);
  // A sign-in gives the name here: nobody is asked for one, and it is not changed on this page.
  let signedIn = signIn.required;
  changeName.hidden = signedIn;
  const learnSignedIn = () => {
    signedIn = true;
    changeName.hidden = true;
    rememberSignIn();
  };
  const composer = new Composer(
    {
      form: byId("message-form", HTMLFormElement),
      input: byId("message-input", HTMLTextAreaElement),
      counter: byId("message-count", HTMLElement),
      error: byId("message-error", HTMLElement),
      editing: byId("editing", HTMLElement),
      cancelEdit: byId("cancel-edit", HTMLButtonElement),
    },
    room,
  );
  const attention = new Attention(room, (seenBefore) => log.markNewAfter(seenBefore));
  // Read before this visit's history marks anything read.
  const lastReadBefore = attention.lastRead();
  const me = () => connection.name;
  let role: "owner" | "moderator" | "member" = "member";
  const moderator = () => role !== "member";
  const log = new ChatLog(
    byId("log", HTMLOListElement),
    byId("log-scroller", HTMLElement),
    byId("jump", HTMLButtonElement),
    me,
  );
  log.policy = { mine: (n) => n === me() || myNames.has(n), moderator };
  const online = new OnlineList(me, moderator);

  // The name asked for (null when a sign-in gives it); when a new one is refused, the old one is used again.
  let asked = name;
  let renamingFrom: string | null = null;
  let olderMore = true;

  const showNotice = (text: string, action?: NoticeAction) => {
    noticeText.textContent = text;
    notice.hidden = text === "";
    const run = action && "run" in action ? action : undefined;
    const link = action && "href" in action ? action : undefined;
    noticeAction.hidden = !run;
    noticeAction.textContent = run?.label ?? "";
    noticeAction.onclick = run ? run.run : null;
    noticeLink.hidden = !link;
    noticeLink.textContent = link?.label ?? "";
    if (link) noticeLink.href = link.href;
    else noticeLink.removeAttribute("href");
  };

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

  /** Asks for earlier messages when the reader is at the top and there are any. */
  const loadOlder = () => {
    if (!olderMore || !log.nearTop()) return;
    connection.older(log.oldestSeq() ?? Number.MAX_SAFE_INTEGER);
  };
  log.onNearTop = loadOlder;

  let welcomed = false;
  const connection = new ChatConnection(location.href, room, { name, token: signIn.token }, outbox, {
    state(state) {
      status.textContent = STATUS_TEXT[state];
      status.dataset.state = state;
      chatSection.dataset.connection = state; // the Online list dims while it may be stale
    },
    welcome(frame, reconnected) {
      composer.closed = false;
      showNotice("");
      role = frame.role;
      myNames.add(frame.name);
      if (renamingFrom !== null) {
        renamingFrom = null;
        nameDialog.close();
      }
      const normalised = asked?.normalize("NFKC").trim();
      if (asked === null) {
        // In without a name: only a sign-in does that.
        learnSignedIn();
        const given = signIn.tokenName?.normalize("NFKC").trim();
        if (!reconnected && given !== undefined && given !== frame.name) {
          showNotice(`Someone else in this room goes by “${given}”: here you are “${frame.name}”.`);
        }
      } else if (normalised !== frame.name) {
        // The room did not take the name typed: a sign-in (the app's cookie) gives it.
        learnSignedIn();
        showNotice(`Your sign-in gives your name here: ${frame.name}.`);
      } else if (!signedIn) writeText(NAME_KEY, frame.name);
      online.show(frame);
      log.refreshActions();
      presence.welcome(frame.online, frame.onlineCount <= frame.online.length);
      if (!reconnected) {
        if (frame.history.length === 0) log.addNotice(`Welcome to #${room}. Say hello!`);
        else if (lastReadBefore > 0) log.markNewAfter(lastReadBefore);
      }
      welcomed = true;
      // A room that does not fill the log: its beginning is in sight.
      requestAnimationFrame(loadOlder);
    },
    reset() {
      log.reset();
      olderMore = true;
    },
    message(message, live) {
      typing.stop(message.name);
      if (live) presence.spoke(message.name);
      const mine = log.policy.mine(message.name);
      const mentioned = log.addMessage(message, mine);
      attention.seen(message.seq, !mine, live);
      if (!live || mine || !welcomed) return;
      announcer.say(`${message.name}: ${message.text}`);
      notifier.message(message.name, message.text, mentioned, attention.away());
    },
    change(event, live) {
      if (event.type === "edited") log.applyEdit(event.target, event.text, event.ts);
      else if (event.type === "deleted") {
        log.applyDelete(event.target);
        if (composer.editingSeq() === event.target) {
          composer.cancelEdit();
          composer.say("That message was deleted.");
        }
      } else if (log.addModeration(event) && live) announcer.say(moderationText(event));
    },
    outbox(entry, stored) {
      log.updateOwn(entry, stored);
      if (stored) attention.seen(stored.seq, false, false);
    },
    changed(entry, result) {
      const { change } = entry;
      if ("error" in result) {
        const what = change.type === "moderate" ? `${change.action} ${change.name}` : `${change.type} that message`;
        composer.say(`Could not ${what}: ${result.error.message}.`);
        return;
      }
      if (change.type === "edit") log.applyEdit(change.target, change.text, result.ts);
      else if (change.type === "delete") log.applyDelete(change.target);
      else {
        const event = { type: "moderation", ...result, action: change.action, name: change.name, by: me() } as const;
        log.addModeration(event);
      }
    },
    older(frame) {
      log.prependOlder(frame.messages);
      olderMore = frame.more;
      if (!frame.more) log.markBeginning(`This is the beginning of #${room}`);
      else loadOlder();
    },
    presence(frame) {
      online.show(frame);
      // A crowd's news comes merged: `names` lists everyone the frame announces.
      for (const name of frame.names ?? [frame.name]) {
        if (frame.event === "join") presence.join(name);
        else {
          presence.leave(name);
          typing.stop(name);
        }
      }
    },
    typing(who) {
      typing.typing(who);
    },
    refused(refusal) {
      const kind = refusalKind(refusal.code);
      if (kind === "name" && asked === null && refusal.code === "bad_name" && !/sign-in/.test(refusal.message)) {
        // The room wants a name from the page: this site does not sign people in (any more).
        signedIn = false;
        changeName.hidden = false;
        forgetSignIn();
        nameDialog.open({ value: linkName ?? storedName ?? "", modal: true });
        return;
      }
      if (refusal.code === "unauthorized" || refusal.code === "forbidden_room") {
        learnSignedIn();
        nameDialog.close();
      }
      const name = asked ?? (me() || signIn.tokenName || "");
      const words = refusalWords(refusal, { name, signedIn, signInLink: signIn.link !== null });
      // The state line says what it is in a few words; the notice says what to do.
      if (kind !== "later") status.textContent = words.status;
      if (kind === "name" && !signedIn) {
        const tried = asked ?? "";
        if (renamingFrom !== null) {
          // The new name is someone else's: keep the old one and say so.
          const previous = renamingFrom;
          renamingFrom = null;
          asked = previous;
          connection.useName(previous);
          nameDialog.open({ value: tried, error: words.notice, modal: true });
          return;
        }
        showNotice("");
        nameDialog.open({ value: tried, error: words.notice, modal: welcomed || chatSection.hidden === false });
        return;
      }
      if (refusal.code === "unauthorized" && signIn.token !== null) forgetToken(signIn.token);
      // Nothing typed now could be sent: the box closes rather than take words it would keep forever.
      if ((kind === "stop" || kind === "name") && refusal.code !== "kicked") composer.closed = true;
      if (words.action === "rejoin") {
        showNotice(words.notice, {
          label: "Rejoin",
          run: () => {
            showNotice("");
            connection.resume();
          },
        });
      } else if (words.action === "sign-in" && signIn.link !== null) {
        showNotice(words.notice, { label: "Sign in", href: signIn.link });
      } else showNotice(words.notice);
    },
    error(frame) {
      composer.say(frame.message);
    },
  });

  nameDialog.onName = (newName) => {
    if (newName === me() && welcomed && status.dataset.state !== "stopped") {
      nameDialog.close();
      return;
    }
    if (welcomed && status.dataset.state !== "stopped") renamingFrom = me();
    asked = newName;
    forgetLinkName();
    connection.useName(newName);
    if (renamingFrom === null) nameDialog.close();
  };
  changeName.addEventListener("click", () => nameDialog.open({ value: me(), modal: true }));

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
    editMessage(seq, text) {
      composer.startEdit(seq, text);
    },
    async deleteMessage(seq, author) {
      const mine = log.policy.mine(author);
      const answer = await confirm.ask({
        title: "Delete this message?",
        text: mine ? "It will be removed for everyone." : `${author}'s message will be removed for everyone.`,
      });
      if (answer) connection.change({ type: "delete", target: seq });
      composer.focus();
    },
  };
  online.actions = {
    async kick(who) {
      const answer = await confirm.ask({
        title: `Remove ${who}?`,
        text: `${who} will be taken out of #${room}. They can come back.`,
      });
      if (answer) connection.change({ type: "moderate", action: "kick", name: who });
    },
    async ban(who) {
      const answer = await confirm.ask({
        title: `Ban ${who}?`,
        text: `${who} will be taken out of #${room} and cannot come back until the ban ends.`,
        askBanLength: true,
      });
      if (!answer) return;
      const frame = { type: "moderate", action: "ban", name: who } as const;
      connection.change(answer.minutes === undefined ? frame : { ...frame, minutes: answer.minutes });
    },
  };
  composer.onSend = (text) => connection.send(text);
  composer.onTyping = () => connection.typing();
  composer.onEdit = (seq, text) => connection.change({ type: "edit", target: seq, text });
  composer.onEditLast = () => {
    const last = log.lastEditable();
    if (last) composer.startEdit(last.seq, last.text);
  };
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
