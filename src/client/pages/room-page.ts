import { canonicalRoom } from "../../shared";
import { browserRuntime, Outbox, RoomSync } from "../connection";
import { localJson } from "../store/browser-store";
import { MyNames } from "../store/my-names";
import { rememberRoom } from "../store/recent-rooms";
import { readSignIn } from "../store/sign-in";
import { byId } from "../ui/dom";
import { NameDialog } from "../ui/name-dialog";
import { forgetLinkName, NameFlow, storedName } from "./name-flow";
import { type RoomPage, roomEvents } from "./room-events";
import { RoomView } from "./room-view";

// The room page: asks for a name if it has none, then enters the room: the
// connection, the widgets (RoomView), what the room says (roomEvents) and the
// name (NameFlow).

const COPY_FEEDBACK_MS = 2_500;

const room = canonicalRoom(location.pathname.slice(1)) ?? "lobby";
const chatSection = byId("chat", HTMLElement);
const status = byId("status", HTMLElement);
/** Set once in the room: from then on, a name chosen in the dialog is the person's new name. */
let names: NameFlow | null = null;
const nameDialog = new NameDialog((name) => {
  if (names !== null) {
    names.choose(name);
    return;
  }
  nameDialog.close();
  forgetLinkName();
  enterRoom(name);
});

const roomTitle = byId("room-title", HTMLElement);
roomTitle.textContent = `#${room}`;
roomTitle.title = `#${room}`; // the full name when a phone cuts it short
document.title = `#${room} · Parley`;
setUpCopyLink();

const signIn = readSignIn(room);
const stored = storedName();
// A name in the link is only a suggestion: someone else chose it, so the person confirms it.
const linkName = new URLSearchParams(location.search).get("name");
if (signIn.required) {
  // The sign-in says who this is and the room gives the name; without one, the room says to sign in.
  enterRoom(null);
} else if (stored !== null && (linkName === null || linkName.trim() === stored)) {
  enterRoom(stored);
} else {
  // Nothing has been tried yet: the page waits for a name, it has not failed to connect.
  status.textContent = "Pick a name to join";
  nameDialog.open({ value: linkName ?? stored ?? "", modal: false });
}

function enterRoom(name: string | null): void {
  chatSection.hidden = false;
  rememberRoom(room);
  const outbox = new Outbox(room, localJson);
  const myNames = new MyNames(room);
  const view = new RoomView(room, myNames, (): RoomSync => connection);
  names = new NameFlow(name, {
    dialog: nameDialog,
    changeName: byId("change-name", HTMLButtonElement),
    notice: view.notice,
    signIn,
    suggested: linkName ?? stored ?? "",
    connection: (): RoomSync => connection,
    inRoom: () => view.welcomed && status.dataset.state !== "stopped",
  });
  const page: RoomPage = { room, chatSection, status, signIn, myNames, view, names, connection: () => connection };
  const options = { name, token: signIn.token };
  const connection = new RoomSync(location.href, room, options, outbox, roomEvents(page), browserRuntime);
  // Unsent messages survive closing (they are kept in this browser), but only reach the room when the page is back.
  addEventListener("beforeunload", (event) => {
    if (!outbox.hasUnsent()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  connection.start();
  view.composer.focus();
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
