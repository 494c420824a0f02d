import { type ChatEvents, type RoomSync, refusalKind } from "../connection";
import type { MyNames } from "../store/my-names";
import { forgetToken, type SignIn } from "../store/sign-in";
import { moderationText } from "../text/moderation-text";
import { refusalWords } from "../text/refusal-text";
import { STATUS_TEXT } from "../text/status-text";
import type { NameFlow } from "./name-flow";
import type { RoomView } from "./room-view";

export type RoomPage = {
  room: string;
  chatSection: HTMLElement;
  status: HTMLElement;
  signIn: SignIn;
  myNames: MyNames;
  view: RoomView;
  names: NameFlow;
  connection: () => RoomSync;
};

/** What the room says, shown on the page: the log, the online list, the state line and the notices. */
export function roomEvents(page: RoomPage): ChatEvents {
  const { room, chatSection, status, signIn, view, names, connection } = page;
  const { log, composer, notice, online, presence, typing, announcer, attention, conversation } = view;
  return {
    state(state) {
      status.textContent = STATUS_TEXT[state];
      status.dataset.state = state;
      chatSection.dataset.connection = state; // the Online list dims while it may be stale
    },
    welcome(frame, reconnected) {
      composer.closed = false;
      notice.show("");
      view.role = frame.role;
      view.roles.welcome(frame);
      page.myNames.add(frame.name);
      names.welcome(frame, reconnected);
      online.show(frame);
      log.refreshActions();
      presence.welcome(frame.online, frame.onlineCount <= frame.online.length);
      if (!reconnected) {
        if (frame.history.length === 0) log.addNotice(`Welcome to #${room}. Say hello!`);
        else if (view.lastReadBefore > 0) log.markNewAfter(view.lastReadBefore);
      }
      view.welcomed = true;
      // A room that does not fill the log: its beginning is in sight.
      requestAnimationFrame(() => view.loadOlder());
    },
    reset() {
      log.reset();
      view.olderMore = true;
    },
    message(message, live) {
      typing.stop(message.name);
      if (live) presence.spoke(message.name);
      const mine = log.policy.mine(message.name);
      const mentioned = log.addMessage(message, mine);
      conversation.shown(message);
      attention.seen(message.seq, !mine, live);
      if (!live || mine || !view.welcomed) return;
      announcer.say(`${message.name}: ${message.text}`);
      view.notifier.message(message.name, message.text, mentioned, attention.away());
    },
    change(event, live) {
      if (event.type === "edited") log.applyEdit(event.target, event.text, event.ts);
      else if (event.type === "deleted") {
        log.applyDelete(event.target);
        if (composer.editingSeq() === event.target) {
          composer.cancelEdit();
          composer.say("That message was deleted.");
        }
      } else if (event.type === "moderation") {
        view.moderated(event);
        if (log.addModeration(event) && live) announcer.say(moderationText(event));
      }
      conversation.changed(event);
    },
    outbox(entry, stored) {
      log.updateOwn(entry, stored);
      if (stored) attention.seen(stored.seq, false, false);
      if (stored) conversation.ownStored(entry, stored.seq);
    },
    changed(entry, result) {
      const { change } = entry;
      if ("error" in result) {
        const what =
          change.type === "moderate"
            ? "name" in change
              ? `${change.action} ${change.name}`
              : `${change.action} the room`
            : change.type === "react"
              ? "react to that message"
              : `${change.type} that message`;
        composer.say(`Could not ${what}: ${result.error.message}.`);
        return;
      }
      const me = connection().name;
      if (change.type === "edit") {
        log.applyEdit(change.target, change.text, result.ts);
        conversation.changed({ type: "edited", ...result, target: change.target, text: change.text, name: me });
      } else if (change.type === "delete") {
        log.applyDelete(change.target);
        conversation.changed({ type: "deleted", ...result, target: change.target, by: me });
      } else if (change.type === "react") {
        const { target, emoji, on } = change;
        conversation.changed({ type: "reacted", ...result, target, emoji, on, name: me });
      } else {
        const by = connection().name;
        const { type: _type, ...request } = change;
        const event = { type: "moderation", ...result, name: "", ...request, by } as const;
        view.moderated(event);
        log.addModeration(event);
      }
    },
    older(frame) {
      log.prependOlder(frame.messages);
      for (const message of frame.messages) conversation.shown(message);
      conversation.older(frame);
      view.olderMore = frame.more;
      if (!frame.more) log.markBeginning(`This is the beginning of #${room}`);
      else view.loadOlder();
    },
    presence(frame) {
      // A big room tells only how many: the names shown stay as the room last listed them.
      if (frame.event === "count") {
        online.count(frame.onlineCount);
        return;
      }
      online.show(frame);
      // A crowd's news comes merged: `names` lists everyone the frame announces.
      for (const name of frame.names ?? [frame.name]) {
        if (frame.event === "join") presence.join(name, frame.renamedFrom);
        else {
          presence.leave(name);
          typing.stop(name);
        }
      }
    },
    bans(frame) {
      view.tools.showBans(frame.bans);
    },
    typing(who) {
      typing.typing(who);
    },
    refused(refusal) {
      const kind = refusalKind(refusal.code);
      if (names.wantsName(refusal, kind)) return;
      names.signInRefused(refusal);
      const words = refusalWords(refusal, names.refused());
      // The state line says what it is in a few words; the notice says what to do.
      if (kind !== "later") status.textContent = words.status;
      if (names.nameRefused(kind, words.notice, view.welcomed || chatSection.hidden === false)) return;
      if (refusal.code === "unauthorized" && signIn.token !== null) forgetToken(signIn.token);
      // Nothing typed now could be sent: the box closes rather than take words it would keep forever.
      if ((kind === "stop" || kind === "name") && refusal.code !== "kicked") composer.closed = true;
      if (words.action === "rejoin") {
        const rejoin = () => {
          notice.show("");
          connection().resume();
        };
        notice.show(words.notice, { label: "Rejoin", run: rejoin });
      } else if (words.action === "sign-in" && signIn.link !== null) {
        notice.show(words.notice, { label: "Sign in", href: signIn.link });
      } else notice.show(words.notice);
    },
    error(frame) {
      if (frame.code === "slow_mode") {
        const seconds = Math.ceil((frame.retryAfterMs ?? 0) / 1000);
        composer.say(`Slow mode is on: your message will be sent in ${seconds} second${seconds === 1 ? "" : "s"}.`);
        return;
      }
      composer.say(frame.message);
    },
    search(frame) {
      conversation.search(frame);
    },
  };
}
