import { canonicalRoom, privateRoomName } from "../room-name";
import { byId } from "./dom";

const form = byId("join-form", HTMLFormElement);
const input = byId("room-input", HTMLInputElement);
const error = byId("room-error", HTMLElement);
const privateLink = byId("private-room", HTMLAnchorElement);

privateLink.href = `/${privateRoomName()}`;

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
