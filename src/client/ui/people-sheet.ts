import { byId } from "./dom";

/**
 * On a narrow screen the Online list is a one-line strip with its count;
 * "Show all" opens it as a sheet over the room with everyone (and the room
 * tools), and "Close" or Escape puts it back. Wide screens never see the button.
 */
export function setUpPeopleSheet(): void {
  const people = byId("chat", HTMLElement).querySelector<HTMLElement>(".people");
  const button = byId("people-sheet", HTMLButtonElement);
  if (!people) return;
  const set = (open: boolean) => {
    people.classList.toggle("sheet", open);
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Close" : "Show all";
  };
  button.addEventListener("click", () => set(!people.classList.contains("sheet")));
  people.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !people.classList.contains("sheet")) return;
    set(false);
    button.focus();
  });
}
