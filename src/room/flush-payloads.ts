// Building and sending one flush's payloads: each frame serialised once, the broadcasts joined once.

// `logged`: an event with a seq, which a held socket gets from its catch-up pages instead.
// `at`: when it was queued, for the room's delivery lag.
export type Outgoing = {
  json: string;
  except?: WebSocket | ReadonlySet<object>;
  only?: WebSocket;
  logged?: boolean;
  at: number;
};

export type FlushSockets = {
  /** Sockets that joined while frames were queued: the frames before this index are not theirs. */
  joinedAt: ReadonlyMap<WebSocket, number>;
  /** Sockets catching up on history: they get no events with a seq. */
  held: ReadonlySet<WebSocket>;
};

/**
 * Sends `batch` to every socket: the broadcasts every socket gets are joined
 * once into one shared payload; a socket that gets other frames (its own
 * acks, not its own messages) gets that body cut around them. Returns how many
 * events with a seq went out.
 */
export function sendFlush(
  batch: readonly Outgoing[],
  sockets: Iterable<WebSocket>,
  { joinedAt, held }: FlushSockets,
  send: (ws: WebSocket, payload: string) => void,
): number {
  // The broadcasts, joined once; `firstShared[i]`: the index in `shared` of the first broadcast at or after batch[i].
  const shared: string[] = [];
  const firstShared = new Array<number>(batch.length + 1);
  // The batch indices that name a socket (frames only for it, or broadcasts not for it), in order.
  const named = new Map<object, number[]>();
  const name = (ws: object, i: number) => {
    const list = named.get(ws);
    if (list) list.push(i);
    else named.set(ws, [i]);
  };
  let events = 0;
  for (const [i, item] of batch.entries()) {
    firstShared[i] = shared.length;
    if (item.only) name(item.only, i);
    else {
      shared.push(item.json);
      if (item.logged) events++;
      if (item.except instanceof Set) for (const ws of item.except) name(ws, i);
      else if (item.except) name(item.except, i);
    }
  }
  firstShared[batch.length] = shared.length;
  const body = shared.join(",");
  // Where each broadcast starts in `body`; one past the end is the comma that would follow the last.
  const offsets = new Array<number>(shared.length + 1);
  let offset = 0;
  for (const [k, json] of shared.entries()) {
    offsets[k] = offset;
    offset += json.length + 1;
  }
  offsets[shared.length] = offset;
  const sharedPayload = shared.length === 0 ? null : shared.length === 1 ? body : batchOf(body);

  for (const ws of sockets) {
    const from = joinedAt.get(ws);
    if (held.has(ws)) {
      // Rare (a socket catching up): picked frame by frame.
      const own = framesOf(ws, batch, from ?? 0, true);
      if (own.length > 0) send(ws, wrap(own));
      continue;
    }
    const marks = named.get(ws);
    if (from === undefined && !marks) {
      if (sharedPayload !== null) send(ws, sharedPayload);
      continue;
    }
    // Runs of the body, cut around this socket's own frames and the broadcasts not for it.
    const pieces: string[] = [];
    let count = 0;
    let cursor = firstShared[Math.min(from ?? 0, batch.length)] as number;
    const run = (to: number) => {
      if (to <= cursor) return;
      pieces.push(body.slice(offsets[cursor], (offsets[to] as number) - 1));
      count += to - cursor;
      cursor = to;
    };
    for (const i of marks ?? []) {
      const item = batch[i] as Outgoing;
      if (item.only) {
        run(firstShared[i] as number);
        pieces.push(item.json);
        count++;
      } else if (i >= (from ?? 0)) {
        run(firstShared[i] as number);
        cursor++;
      }
    }
    run(shared.length);
    if (count > 0) send(ws, count === 1 ? (pieces[0] as string) : batchOf(pieces.join(",")));
  }
  return events;
}

/** The frames of `items` for this socket, one by one: for held sockets and a socket's last frames. */
export function framesOf(ws: WebSocket, items: readonly Outgoing[], from: number, held: boolean): string[] {
  return items
    .filter((item, i) => (item.only ? item.only === ws : i >= from && !excludes(item, ws) && !(held && item.logged)))
    .map((item) => item.json);
}

function excludes(item: Outgoing, ws: WebSocket): boolean {
  return item.except instanceof Set ? item.except.has(ws) : item.except === ws;
}

/** One frame as itself, several in a batch. */
export function wrap(frames: string[]): string {
  return frames.length === 1 ? (frames[0] as string) : batchOf(frames.join(","));
}

/** A batch around frames already joined with commas. */
function batchOf(joined: string): string {
  return `{"type":"batch","frames":[${joined}]}`;
}
