import type { ChatMessage, OlderFrame, SearchFrame } from "../../shared";
import type { LogChange, OutboxEntry, RoomSync } from "../connection";
import type { ChatLog } from "../ui/chat-log";
import { byId, el } from "../ui/dom";
import { ReactionsView } from "../ui/reactions-view";
import { type Quoted, refreshQuotes, showQuote } from "../ui/reply-quote";

/**
 * Replies, reactions and search on the page: the quote above a reply, the
 * reply being written, each message's reactions, search results, and
 * bringing a message into view (asking for earlier history until it is
 * loaded). The log keeps the messages; this keeps what hangs off them.
 */
export class ConversationView {
  readonly reactions: ReactionsView;
  readonly #log: ChatLog;
  readonly #connection: () => RoomSync;
  readonly #say: (text: string) => void;
  readonly #replying = el("p", "replying");
  readonly #results: HTMLOListElement;
  #replyTo: number | null = null;
  #pendingJump: number | null = null;
  /** The search shown, and whether the next answer adds earlier results to it. */
  #query = "";
  #appending = false;

  constructor(log: ChatLog, connection: () => RoomSync, say: (text: string) => void) {
    this.#log = log;
    this.#connection = connection;
    this.#say = say;
    const itemOf = (seq: number) => log.message(seq)?.item;
    this.reactions = new ReactionsView(
      itemOf,
      () => log.myName(),
      (seq, emoji, on) => {
        connection().change({ type: "react", target: seq, emoji, on });
      },
    );
    this.#replying.hidden = true;
    byId("message-form", HTMLFormElement).before(this.#replying);
    this.#results = byId("search-results", HTMLOListElement);
    const form = byId("search-form", HTMLFormElement);
    const input = byId("search-input", HTMLInputElement);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (q.length === 0) return;
      this.#query = q;
      this.#appending = false;
      connection().search(q);
    });
  }

  /** A stored message is shown (live, from history, or earlier pages): what hangs off it. */
  shown(message: ChatMessage): void {
    this.reactions.set(message.seq, message.deleted ? undefined : message.reactions);
    const item = this.#log.message(message.seq)?.item;
    if (item && message.replyTo !== undefined) this.#quote(item, message.replyTo);
    refreshQuotes(this.#list(), message.seq, this.#quoted(message.seq));
    if (this.#pendingJump === message.seq) this.jumpTo(message.seq);
  }

  /** This person's own message, now stored. */
  ownStored(entry: OutboxEntry, seq: number): void {
    this.reactions.set(seq, undefined);
    const item = this.#log.message(seq)?.item;
    if (item && entry.replyTo !== undefined) this.#quote(item, entry.replyTo);
  }

  /** Someone's edit, deletion or reaction (ours too, once acked). */
  changed(event: LogChange): void {
    if (event.type === "reacted") this.reactions.apply(event.target, event.emoji, event.name, event.on);
    else if (event.type === "deleted") this.reactions.clear(event.target);
    if (event.type === "edited" || event.type === "deleted") {
      refreshQuotes(this.#list(), event.target, this.#quoted(event.target));
    }
  }

  startReply(seq: number): void {
    const original = this.#log.message(seq);
    if (!original) return;
    this.#replyTo = seq;
    const cancel = el("button", "secondary small", "Cancel reply");
    cancel.type = "button";
    cancel.addEventListener("click", () => this.cancelReply());
    const line = original.text.split("\n", 1)[0] ?? "";
    this.#replying.replaceChildren(`Replying to ${original.name}: ${line.slice(0, 80)} `, cancel);
    this.#replying.hidden = false;
    byId("message-input", HTMLTextAreaElement).focus();
  }

  cancelReply(): void {
    this.#replyTo = null;
    this.#replying.hidden = true;
    this.#replying.replaceChildren();
  }

  /** The message the next send answers, if any; the reply is then done. */
  takeReply(): number | undefined {
    const seq = this.#replyTo ?? undefined;
    this.cancelReply();
    return seq;
  }

  /** Brings a message into view, asking for earlier pages until it is loaded. */
  jumpTo(seq: number): void {
    const item = this.#log.message(seq)?.item;
    if (item) {
      this.#pendingJump = null;
      item.scrollIntoView({ block: "center" });
      item.classList.add("found");
      setTimeout(() => item.classList.remove("found"), 2000);
      return;
    }
    this.#pendingJump = seq;
    this.#connection().older(this.#log.oldestSeq() ?? Number.MAX_SAFE_INTEGER);
  }

  /** An earlier page arrived: keep going toward a message being brought into view. */
  older(frame: OlderFrame): void {
    const seq = this.#pendingJump;
    if (seq === null || this.#log.message(seq)) return;
    if (frame.more) this.#connection().older(this.#log.oldestSeq() ?? Number.MAX_SAFE_INTEGER);
    else {
      this.#pendingJump = null;
      this.#say("That message is no longer in the room's history.");
    }
  }

  search(frame: SearchFrame): void {
    const items = frame.messages.map((message) => {
      const button = el("button", "result");
      button.type = "button";
      button.append(el("span", "quote-author", message.name), " ", el("span", "result-text", message.text));
      button.addEventListener("click", () => this.jumpTo(message.seq));
      const li = el("li");
      li.append(button);
      return li;
    });
    if (items.length === 0 && !this.#appending) items.push(el("li", "help", "No messages match."));
    const oldest = frame.messages.at(-1)?.seq;
    if (frame.more && oldest !== undefined) {
      const more = el("button", "secondary small", "Earlier results");
      more.type = "button";
      more.addEventListener("click", () => {
        more.closest("li")?.remove();
        this.#appending = true;
        this.#connection().search(this.#query, oldest);
      });
      const li = el("li");
      li.append(more);
      items.push(li);
    }
    if (this.#appending) this.#results.append(...items);
    else this.#results.replaceChildren(...items);
  }

  #quote(item: HTMLLIElement, replyTo: number): void {
    showQuote(item, replyTo, this.#quoted(replyTo), (seq) => this.jumpTo(seq));
  }

  #quoted(seq: number): Quoted {
    const shown = this.#log.message(seq);
    return shown && { name: shown.name, text: shown.text, deleted: shown.deleted };
  }

  #list(): HTMLElement {
    return byId("log", HTMLOListElement);
  }
}
