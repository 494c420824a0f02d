import { canonicalRoom, privateRoomName } from "../../shared";
import { recentRooms } from "../store/recent-rooms";
import { byId, el } from "../ui/dom";

const form = byId("join-form", HTMLFormElement);
const input = byId("room-input", HTMLInputElement);
const error = byId("room-error", HTMLElement);
const privateLink = byId("private-room", HTMLAnchorElement);

privateLink.href = `/${privateRoomName()}`;
input.focus();

// Arrived through a device link (`/link/<code>` redirects to `/?linked`): say so once.
if (new URLSearchParams(location.search).has("linked")) {
  byId("linked", HTMLElement).hidden = false;
  history.replaceState(null, "", "/");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = canonicalRoom(input.value.trim().replace(/^#/, ""));
  if (room === null) {
    error.textContent = "Room names are 1-64 letters, digits, - or _.";
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  location.assign(`/${room}`);
});
input.addEventListener("input", () => {
  error.textContent = "";
  input.removeAttribute("aria-invalid");
});

// Rooms this browser visited, newest first: one click back into a conversation.
const recent = recentRooms();
if (recent.length > 0) {
  const list = byId("recent-list", HTMLUListElement);
  for (const { room } of recent) {
    const link = el("a", "recent-room", `#${room}`);
    link.href = `/${room}`;
    const item = el("li");
    item.append(link);
    list.append(item);
  }
  byId("recent", HTMLElement).hidden = false;
}
