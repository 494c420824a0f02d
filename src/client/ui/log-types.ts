// What the message log is given and keeps: its parts, its policy, the actions on its messages.

export type LogActions = {
  /** On a message the room refused. */
  retry(id: string): void;
  edit(id: string, text: string): void;
  discard(id: string): void;
  /** On a stored message. */
  editMessage(seq: number, text: string): void;
  deleteMessage(seq: number, name: string): void;
  replyTo(seq: number): void;
  react(seq: number): void;
};

/** Who may do what to a stored message. */
export type LogPolicy = { mine(name: string): boolean; moderator(): boolean };

export type LogParts = { list: HTMLOListElement; scroller: HTMLElement; jump: HTMLButtonElement };

/** A stored message as the log shows it. */
export type Stored = { item: HTMLLIElement; name: string; text: string; deleted: boolean };
