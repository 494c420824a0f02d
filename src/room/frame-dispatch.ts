import { CLOSE_CODES, type ClientMessage, type DeleteFrame, type EditFrame, type ModerateFrame } from "../shared";
import { BANNED } from "./admission";
import type { Connections } from "./connections";
import type { Conversation } from "./conversation";
import type { EventWriter } from "./event-writer";
import type { HistoryAnswers } from "./history-answers";
import type { Moderation } from "./log/moderation";
import { REFUSED_MESSAGES, type RoomChanges } from "./log/room-changes";
import type { RoomSocket } from "./roster";
import type { Session } from "./session";
import type { RemoteSockets } from "./shards/remote-sockets";
import type { RoomOp } from "./shards/shard-ops";

export type DispatchParts = {
  connections: Connections;
  writer: EventWriter;
  conversation: Conversation;
  history: HistoryAnswers;
  moderation: Moderation;
  changes: RoomChanges;
};

/**
 * What the room does with a frame that passed the checks a socket's holder
 * makes (size, shape, rate): the room object for its own sockets, a shard for
 * its. From here on a frame is the same wherever its socket is.
 */
export class FrameDispatch {
  readonly #parts: DispatchParts;

  constructor(parts: DispatchParts) {
    this.#parts = parts;
  }

  /** Runs `handle` for a socket's frame; a bug closes that socket (1011), logged with context, never the room. */
  safely(ws: RoomSocket, handle: () => void): void {
    try {
      handle();
    } catch (error) {
      console.error("frame-dispatch: failed handling a frame", this.#parts.connections.session(ws)?.name, error);
      this.#parts.connections.close(ws, CLOSE_CODES.internalError, "internal error");
    }
  }

  /** What a shard forwards: frames its sockets sent (checked there), and sockets that left. */
  fromShard(remote: RemoteSockets, shard: number, ops: RoomOp[]): void {
    for (const op of ops) {
      const ws = remote.get(shard, op.id);
      if (!ws) {
        // A socket the room does not know (its join was lost) is closed there.
        if (op.t === "frame") remote.lost(shard, op.id);
      } else if (op.t === "left") this.#parts.connections.departed(ws);
      else this.safely(ws, () => this.dispatch(ws, ws.session, op.frame));
    }
  }

  dispatch(ws: RoomSocket, session: Session, frame: ClientMessage): void {
    const { connections, writer, conversation, history, moderation } = this.#parts;
    switch (frame.type) {
      case "send":
        writer.record(ws, session, frame.id, "message", () => conversation.send(session, frame));
        return;
      case "react":
        writer.record(ws, session, frame.id, "change", () => conversation.react(session, frame));
        return;
      case "search":
        history.search(ws, frame);
        return;
      case "bans":
        if (moderation.roleOf(session, Date.now()) === "member") {
          connections.sendError(ws, "forbidden", REFUSED_MESSAGES.forbidden, frame.id);
        } else connections.sendTo(ws, { type: "bans", id: frame.id, bans: moderation.bans(Date.now()) });
        return;
      case "typing":
        connections.broadcast({ type: "typing", name: session.name }, ws);
        return;
      case "received":
        // Only the socket's holder can weigh a report (it knows what it sent); a shard keeps its own.
        if (!(ws instanceof WebSocket)) return;
        connections.received(ws, frame.chars, Date.now());
        return;
      case "catchup":
        history.catchup(ws, session, frame);
        return;
      case "older":
        history.older(ws, frame);
        return;
      case "edit":
      case "delete":
      case "moderate":
        this.#change(ws, session, frame);
        return;
    }
  }

  /** Edit, delete and moderate: checked against who the person is now, on every frame. */
  #change(ws: RoomSocket, session: Session, frame: EditFrame | DeleteFrame | ModerateFrame): void {
    const { connections, writer, moderation, changes } = this.#parts;
    const kind = frame.type === "moderate" ? "moderation" : frame.type === "edit" ? "edit" : "change";
    writer.record(ws, session, frame.id, kind, () => {
      const now = Date.now();
      if (moderation.isBanned(session.identity, now)) {
        connections.removePerson(session.identity, "banned", BANNED);
        return null;
      }
      const moderator = moderation.roleOf(session, now) !== "member";
      return changes.apply({ identity: session.identity, name: session.name, moderator }, frame.id, frame, now);
    });
  }
}
