import { parseName, type WelcomeFrame } from "../../shared";
import type { Refusal, RefusalKind, RoomSync } from "../connection";
import { readText, writeText } from "../store/browser-store";
import { forgetSignIn, rememberSignIn, type SignIn } from "../store/sign-in";
import type { Refused } from "../text/refusal-text";
import type { NameDialog } from "../ui/name-dialog";
import type { Notice } from "../ui/notice";

const NAME_KEY = "parley:name";

/** The name this browser last went by, if it is still a valid one. */
export function storedName(): string | null {
  const raw = readText(NAME_KEY);
  const parsed = raw === null ? null : parseName(raw);
  return parsed?.ok ? parsed.value : null;
}

/** Once a name is confirmed, the link's suggestion has served: a reload should not suggest it again. */
export function forgetLinkName(): void {
  const url = new URL(location.href);
  if (!url.searchParams.has("name")) return;
  url.searchParams.delete("name");
  history.replaceState(history.state, "", url);
}

export type NameFlowParts = {
  dialog: NameDialog;
  changeName: HTMLButtonElement;
  notice: Notice;
  signIn: SignIn;
  /** What the dialog offers when the room wants a name after all (the link's, or the stored one). */
  suggested: string;
  connection: () => RoomSync;
  /** Welcomed and not stopped: a name chosen now is a rename. */
  inRoom: () => boolean;
};

/**
 * The name this page goes by in the room, and every turn of changing it.
 * `asked` is the name the next socket asks for (null while a sign-in gives
 * it). A rename keeps the name it came from (`renamingFrom`) until the room
 * welcomes the new one; if the room refuses it, the page goes back to the old
 * name and asks again. A sign-in gives the name here: nobody is asked for one,
 * and it is not changed on this page.
 */
export class NameFlow {
  readonly #parts: NameFlowParts;
  #signedIn: boolean;
  #asked: string | null;
  #renamingFrom: string | null = null;

  constructor(asked: string | null, parts: NameFlowParts) {
    this.#parts = parts;
    this.#asked = asked;
    this.#signedIn = parts.signIn.required;
    parts.changeName.hidden = this.#signedIn;
    parts.changeName.addEventListener("click", () =>
      parts.dialog.open({ value: parts.connection().name, modal: true }),
    );
  }

  /** The person chose a name in the dialog. */
  choose(name: string): void {
    const { dialog, connection, inRoom } = this.#parts;
    if (name === connection().name && inRoom()) {
      dialog.close();
      return;
    }
    if (inRoom()) this.#renamingFrom = connection().name;
    this.#asked = name;
    forgetLinkName();
    connection().useName(name);
    if (this.#renamingFrom === null) dialog.close();
  }

  /** The room took this socket, under `frame.name`. */
  welcome(frame: WelcomeFrame, reconnected: boolean): void {
    const { dialog, notice, signIn } = this.#parts;
    if (this.#renamingFrom !== null) {
      this.#renamingFrom = null;
      dialog.close();
    }
    const asked = this.#asked;
    if (asked === null) {
      // In without a name: only a sign-in does that.
      this.#learnSignedIn();
      const given = signIn.tokenName?.normalize("NFKC").trim();
      if (!reconnected && given !== undefined && given !== frame.name) {
        notice.show(`Someone else in this room goes by “${given}”: here you are “${frame.name}”.`);
      }
    } else if (asked.normalize("NFKC").trim() !== frame.name) {
      // The room did not take the name typed: a sign-in (the app's cookie) gives it.
      this.#learnSignedIn();
      notice.show(`Your sign-in gives your name here: ${frame.name}.`);
    } else if (!this.#signedIn) writeText(NAME_KEY, frame.name);
  }

  /** The room wants a name from a page that took it for signed in: this site does not sign people in (any more). */
  wantsName(refusal: Refusal, kind: RefusalKind | null): boolean {
    if (kind !== "name" || this.#asked !== null || refusal.code !== "bad_name" || /sign-in/.test(refusal.message)) {
      return false;
    }
    this.#signedIn = false;
    this.#parts.changeName.hidden = false;
    forgetSignIn();
    this.#parts.dialog.open({ value: this.#parts.suggested, modal: true });
    return true;
  }

  /** A refused or missing sign-in: this site signs people in, so no name is asked for. */
  signInRefused(refusal: Refusal): void {
    if (refusal.code !== "unauthorized" && refusal.code !== "forbidden_room") return;
    this.#learnSignedIn();
    this.#parts.dialog.close();
  }

  /** Who was refused, for the words that say so. */
  refused(): Refused {
    const { connection, signIn } = this.#parts;
    const name = this.#asked ?? (connection().name || signIn.tokenName || "");
    return { name, signedIn: this.#signedIn, signInLink: signIn.link !== null };
  }

  /** A name refused on a page that gives names: the dialog asks for another (a rename goes back to the old one). */
  nameRefused(kind: RefusalKind | null, words: string, modal: boolean): boolean {
    if (kind !== "name" || this.#signedIn) return false;
    const { dialog, connection, notice } = this.#parts;
    const tried = this.#asked ?? "";
    const previous = this.#renamingFrom;
    if (previous !== null) {
      // The new name is someone else's: keep the old one and say so.
      this.#renamingFrom = null;
      this.#asked = previous;
      connection().useName(previous);
      dialog.open({ value: tried, error: words, modal: true });
      return true;
    }
    notice.show("");
    dialog.open({ value: tried, error: words, modal });
    return true;
  }

  #learnSignedIn(): void {
    this.#signedIn = true;
    this.#parts.changeName.hidden = true;
    rememberSignIn();
  }
}
