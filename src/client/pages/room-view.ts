import type { ModerationEvent, Role } from "../../shared";
import type { RoomSync } from "../connection";
import type { MyNames } from "../store/my-names";
import { Announcer } from "../ui/announcer";
import { Attention } from "../ui/attention";
import { ChatLog } from "../ui/chat-log";
import { Composer } from "../ui/composer";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { DeviceLinkDialog } from "../ui/device-link-dialog";
import { byId } from "../ui/dom";
import { keepDaysCurrent } from "../ui/log-grouping";
import { Notice } from "../ui/notice";
import { Notifier } from "../ui/notifier";
import { OnlineList } from "../ui/online-list";
import { setUpPeopleSheet } from "../ui/people-sheet";
import { type PresenceChange, PresenceLines, presenceText } from "../ui/presence-lines";
import { RoomRoles, watchBadges } from "../ui/room-roles";
import { RoomTools } from "../ui/room-tools";
import { TypingIndicator } from "../ui/typing-indicator";
import { ConversationView } from "./conversation";

/**
 * The room's widgets, wired to the connection: what the person does in them
 * (send, edit, delete, kick, ban, scroll up) becomes a call on the
 * connection; what the room says is shown by `roomEvents`.
 */
export class RoomView {
  readonly announcer = new Announcer(byId("announcer", HTMLElement));
  readonly typing = new TypingIndicator(byId("typing", HTMLElement));
  readonly notifier: Notifier;
  readonly confirm = new ConfirmDialog();
  readonly notice = new Notice();
  readonly composer: Composer;
  readonly attention: Attention;
  /** The last seq read in an earlier visit: read before this visit's history marks anything read. */
  readonly lastReadBefore: number;
  readonly log: ChatLog;
  readonly conversation: ConversationView;
  readonly online: OnlineList;
  readonly presence: PresenceLines;
  role: Role = "member";
  readonly roles: RoomRoles;
  readonly tools: RoomTools;
  readonly #refreshBadges: () => void;
  /** Welcomed at least once on this page. */
  welcomed = false;
  /** Whether the room may have messages before the earliest shown. */
  olderMore = true;
  readonly #room: string;
  readonly #connection: () => RoomSync;
  /** Consecutive presence lines of one kind grow one line instead of adding more. */
  #lastLine: { item: HTMLLIElement; change: PresenceChange } | null = null;

  constructor(room: string, myNames: MyNames, connection: () => RoomSync) {
    this.#room = room;
    this.#connection = connection;
    this.notifier = new Notifier(byId("notify", HTMLButtonElement), room);
    const me = () => connection().name;
    const moderator = () => this.role !== "member";
    const composerParts = {
      form: byId("message-form", HTMLFormElement),
      input: byId("message-input", HTMLTextAreaElement),
      counter: byId("message-count", HTMLElement),
      error: byId("message-error", HTMLElement),
      editing: byId("editing", HTMLElement),
      cancelEdit: byId("cancel-edit", HTMLButtonElement),
    };
    this.composer = new Composer(composerParts, room, {
      send: (text) => connection().send(text, this.conversation.takeReply()),
      typing: () => connection().typing(),
      edit: (seq, text) => connection().change({ type: "edit", target: seq, text }),
      editLast: () => {
        const last = this.log.lastEditable();
        if (last) this.composer.startEdit(last.seq, last.text);
      },
    });
    this.attention = new Attention(room, (seenBefore) => this.log.markNewAfter(seenBefore));
    this.lastReadBefore = this.attention.lastRead();
    const logParts = {
      list: byId("log", HTMLOListElement),
      scroller: byId("log-scroller", HTMLElement),
      jump: byId("jump", HTMLButtonElement),
    };
    const policy = { mine: (n: string) => n === me() || myNames.has(n), moderator };
    this.log = new ChatLog(
      logParts,
      me,
      policy,
      {
        retry: (id) => {
          connection().retry(id);
          this.composer.focus(); // the Retry button is gone now
        },
        edit: (id, text) => {
          connection().discard(id);
          this.log.removeOwn(id);
          this.composer.edit(text);
        },
        discard: (id) => {
          connection().discard(id);
          this.log.removeOwn(id);
          this.composer.focus();
        },
        editMessage: (seq, text) => this.composer.startEdit(seq, text),
        deleteMessage: (seq, author) => void this.#delete(seq, author),
        replyTo: (seq) => this.conversation.startReply(seq),
        react: (seq) => this.conversation.reactions.openPicker(seq),
      },
      () => this.loadOlder(),
    );
    this.conversation = new ConversationView(this.log, connection, (text) => this.composer.say(text));
    this.roles = new RoomRoles(() => this.#rulesChanged());
    const owner = () => this.role === "owner";
    const moderate = (change: Parameters<RoomSync["change"]>[0]) => connection().change(change);
    this.online = new OnlineList(
      { me, moderator, owner, roles: this.roles },
      {
        kick: (who) => void this.#kick(who),
        ban: (who) => void this.#ban(who),
        promote: (name) => moderate({ type: "moderate", action: "promote", name }),
        demote: (name) => moderate({ type: "moderate", action: "demote", name }),
      },
    );
    this.tools = new RoomTools({
      slow: (seconds) => moderate({ type: "moderate", action: "slow", seconds }),
      lock: (locked) => moderate({ type: "moderate", action: locked ? "lock" : "unlock" }),
      unban: (name) => moderate({ type: "moderate", action: "unban", name }),
      askBans: () => connection().bans(),
    });
    this.#refreshBadges = watchBadges(logParts.list, this.roles);
    setUpPeopleSheet();
    keepDaysCurrent(logParts.list);
    const elsewhere = byId("use-elsewhere", HTMLButtonElement);
    // Signed-in people are who they sign in as on every device.
    if (document.documentElement.dataset.auth === "jwt") elsewhere.hidden = true;
    else new DeviceLinkDialog(elsewhere);
    this.presence = new PresenceLines(me, (change) => this.#presenceLine(change));
  }

  /** A moderation event (someone else's, or this person's own once stored). */
  moderated(event: ModerationEvent): void {
    // The log says they were removed: coming back is a join, however soon.
    if (event.action === "kick" || event.action === "ban") this.presence.removed(event.name);
    const me = this.#connection().name;
    if (event.name === me && (event.action === "promote" || event.action === "demote") && this.role !== "owner") {
      this.role = event.action === "promote" ? "moderator" : "member";
      this.log.refreshActions();
    }
    this.roles.apply(event);
    if (event.action === "ban" || event.action === "unban") this.tools.bansChanged();
  }

  #rulesChanged(): void {
    this.online.show();
    this.tools.show(this.roles, this.role !== "member");
    this.#refreshBadges();
  }

  /** Asks for earlier messages when the reader is at the top and there are any. */
  loadOlder(): void {
    if (!this.olderMore || !this.log.nearTop()) return;
    this.#connection().older(this.log.oldestSeq() ?? Number.MAX_SAFE_INTEGER);
  }

  #presenceLine(change: PresenceChange): void {
    const last = this.#lastLine;
    const merges = change.event !== "rename" && last?.change.event === change.event;
    if (last && merges && this.log.lastStored() === last.item) {
      last.change.names.push(...change.names);
      last.item.textContent = presenceText(last.change);
    } else {
      this.#lastLine = { item: this.log.addNotice(presenceText(change), "notice presence"), change };
    }
    this.announcer.say(presenceText(change));
  }

  async #delete(seq: number, author: string): Promise<void> {
    const mine = this.log.policy.mine(author);
    const answer = await this.confirm.ask({
      title: "Delete this message?",
      text: mine ? "It will be removed for everyone." : `${author}'s message will be removed for everyone.`,
    });
    if (answer) this.#connection().change({ type: "delete", target: seq });
    this.composer.focus();
  }

  async #kick(who: string): Promise<void> {
    const answer = await this.confirm.ask({
      title: `Remove ${who}?`,
      text: `${who} will be taken out of #${this.#room}. They can come back.`,
    });
    if (answer) this.#connection().change({ type: "moderate", action: "kick", name: who });
  }

  async #ban(who: string): Promise<void> {
    const answer = await this.confirm.ask({
      title: `Ban ${who}?`,
      text: `${who} will be taken out of #${this.#room} and cannot come back until the ban ends.`,
      askBanLength: true,
    });
    if (!answer) return;
    const change = { type: "moderate", action: "ban", name: who } as const;
    this.#connection().change(answer.minutes === undefined ? change : { ...change, minutes: answer.minutes });
  }
}
