import encodeQR from "qr";
import { byId } from "./dom";

/** What `POST /api/device/link` answers. */
type DeviceLink = { code: string; url: string; expiresAt: number };

const isDeviceLink = (v: unknown): v is DeviceLink =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as DeviceLink).url === "string" &&
  typeof (v as DeviceLink).expiresAt === "number";

// Pixels per QR module, and the quiet zone around it in modules.
const SCALE = 5;
const QUIET = 4;

/**
 * "Use on another device": asks the worker for a single-use link to this
 * browser's identity, and shows it as text and as a QR code drawn on a canvas
 * (no HTML is ever built from strings).
 */
export class DeviceLinkDialog {
  readonly #dialog = byId("device-link", HTMLDialogElement);
  readonly #url = byId("device-link-url", HTMLElement);
  readonly #qr = byId("device-link-qr", HTMLCanvasElement);

  constructor(button: HTMLButtonElement) {
    byId("device-link-close", HTMLButtonElement).addEventListener("click", () => this.#dialog.close());
    button.addEventListener("click", () => void this.open());
  }

  async open(): Promise<void> {
    this.#url.textContent = "Making a link…";
    this.#qr.hidden = true;
    this.#dialog.showModal();
    let link: unknown = null;
    let why = "The link could not be made. Check your connection and try again.";
    try {
      const response = await fetch("/api/device/link", { method: "POST", credentials: "same-origin" });
      const body: unknown = await response.json();
      if (response.ok) link = body;
      else if (response.status === 429)
        why = "Too many device links from your network in the last minute. Try again in a minute.";
    } catch {
      // Offline: `why` says so.
    }
    if (!isDeviceLink(link)) {
      this.#url.textContent = why;
      return;
    }
    const ends = new Date(link.expiresAt).toLocaleTimeString(undefined, { timeStyle: "short" });
    this.#url.textContent = `${link.url} (works once, until ${ends})`;
    this.#draw(link.url);
  }

  #draw(text: string): void {
    const modules = encodeQR(text, "raw", { ecc: "medium" });
    const size = (modules.length + QUIET * 2) * SCALE;
    const canvas = this.#qr;
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d");
    if (!context) return;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    context.fillStyle = "#000";
    modules.forEach((row, y) => {
      row.forEach((dark, x) => {
        if (dark) context.fillRect((x + QUIET) * SCALE, (y + QUIET) * SCALE, SCALE, SCALE);
      });
    });
    canvas.hidden = false;
  }
}
