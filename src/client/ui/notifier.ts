import { readText, writeText } from "../store/browser-store";

// Desktop notifications, opt-in: permission is asked only when the person
// clicks "Notify me", never on load. Once on, a mention notifies, and so does
// any message while the tab is hidden.

const KEY = "parley:notify";

/**
 * Whether notifications can work on this page: Android Chrome has
 * `Notification` but refuses to construct one outside a service worker
 * (TypeError), and Parley has none, so the button is not offered there. The
 * probe is made only while permission is not granted, when a notification
 * is never shown.
 */
function canNotify(): boolean {
  if (!("Notification" in window)) return false;
  if (Notification.permission === "granted") return true;
  try {
    new Notification("", { silent: true });
    return true;
  } catch {
    return false;
  }
}

export class Notifier {
  readonly #button: HTMLButtonElement;
  readonly #room: string;
  #on: boolean;

  constructor(button: HTMLButtonElement, room: string) {
    this.#button = button;
    this.#room = room;
    this.#on = readText(KEY) === "on";
    if (!canNotify()) return; // the button stays hidden
    button.hidden = false;
    button.addEventListener("click", () => void this.#toggle());
    this.#show();
  }

  /** Notifies of a message when it is on and the message calls for it. */
  message(name: string, text: string, mentionsMe: boolean, away: boolean): void {
    if (!this.#enabled() || !(mentionsMe || away)) return;
    try {
      const title = mentionsMe ? `${name} mentioned you in #${this.#room}` : `${name} in #${this.#room}`;
      const note = new Notification(title, { body: text.slice(0, 200), tag: `parley-${this.#room}` });
      note.addEventListener("click", () => {
        window.focus();
        note.close();
      });
    } catch {
      // Some browsers (Android Chrome) allow notifications only from a service worker.
    }
  }

  #enabled(): boolean {
    return this.#on && "Notification" in window && Notification.permission === "granted";
  }

  async #toggle(): Promise<void> {
    if (this.#enabled()) {
      this.#on = false;
    } else {
      const permission =
        Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      this.#on = permission === "granted";
    }
    writeText(KEY, this.#on ? "on" : "off");
    this.#show();
  }

  #show(): void {
    const blocked = Notification.permission === "denied";
    const on = this.#enabled();
    this.#button.textContent = blocked ? "Notifications blocked" : on ? "Notifications on" : "Notify me";
    this.#button.setAttribute("aria-pressed", String(on));
    this.#button.disabled = blocked;
    this.#button.title = blocked
      ? "This browser blocks notifications from this site; allow them in its site settings."
      : on
        ? "Click to stop notifications"
        : "Get a notification when someone mentions you, or writes while this tab is hidden";
  }
}
