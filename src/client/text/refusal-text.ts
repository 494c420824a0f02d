import type { Refusal } from "../connection";

// A refusal in words: what happened and what to do, for the notice; and a
// short form for the status line. Where a sign-in gives the name, a name
// refusal is no question to answer with another name: it says where the name
// comes from.

const sentence = (text: string) =>
  text === "" ? "" : `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

export type RefusalWords = { status: string; notice: string; action?: "rejoin" | "sign-in" };

/** Who was refused: the name tried, whether a sign-in gives the name here, whether the page has a sign-in link. */
export type Refused = { name: string; signedIn: boolean; signInLink: boolean };

const FROM_SIGN_IN = "Your name here comes from your sign-in: change it in your app, or ask whoever runs this site.";

export function refusalWords(refusal: Refusal, { name, signedIn, signInLink }: Refused): RefusalWords {
  const { code, message } = refusal;
  if (signedIn && code === "name_taken") {
    const who = name === "" ? "your name" : `“${name}”`;
    return {
      status: "Not connected: name in use",
      notice: `Someone else in this room goes by ${who}, the name your sign-in gives. ${FROM_SIGN_IN}`,
    };
  }
  if (signedIn && code === "bad_name") {
    return { status: "Not connected: name refused", notice: `${sentence(message)} ${FROM_SIGN_IN}` };
  }
  switch (code) {
    case "room_full":
      return { status: "Room is full: retrying…", notice: "This room is full. We'll keep trying…" };
    case "too_many_connections":
      return {
        status: "Too many connections from your network: retrying…",
        notice:
          "Too many people from your network are connected to this room. Close some tabs, or wait: we'll keep trying…",
      };
    case "too_many_requests":
      return {
        status: "Too many attempts: waiting…",
        notice: "Too many connection attempts from your network. We'll try again in a minute…",
      };
    case "name_taken":
      return {
        status: "Not connected: pick another name",
        notice: / reserved /.test(message)
          ? `“${name}” (or a name that looks like it) is reserved by someone who used it in this room recently. Pick another name.`
          : `Someone else in this room goes by “${name}” (or a name that looks like it). Pick another name.`,
      };
    case "bad_name":
      return { status: "Not connected: pick another name", notice: `That name can't be used: ${message}.` };
    case "banned": {
      const said = / by | for /.test(message) ? sentence(message) : "You are banned from this room.";
      const ends = refusal.retryAfterMs === undefined ? null : new Date(Date.now() + refusal.retryAfterMs);
      const when = ends?.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      return {
        status: "Banned from this room",
        notice: when
          ? `${said} The ban ends ${when}; you can come back then.`
          : `${said} You cannot come back unless a moderator lifts the ban.`,
      };
    }
    case "locked":
      return {
        status: "Room locked",
        notice:
          "This room is locked: only people who have been here before can join it now. Ask someone in it to have a moderator unlock it, or try again later.",
      };
    case "kicked":
      return {
        status: "Removed from this room",
        notice: `${sentence(message) || "You were removed from this room."} You can rejoin when you are ready.`,
        action: "rejoin",
      };
    case "unauthorized": {
      const expired = /expired/.test(message);
      const what = expired ? "Your sign-in has expired." : "You need to sign in to join this room.";
      if (signInLink)
        return { status: "Not signed in", notice: `${what} Sign in, then come back to this page.`, action: "sign-in" };
      return {
        status: "Not signed in",
        notice: expired
          ? `${what} Sign in again: open the link to this room that your app gives you.`
          : `${what} Open the link to it that your app gave you: that link signs you in.`,
      };
    }
    case "forbidden_room":
      return {
        status: "Not allowed in this room",
        notice: "Your sign-in does not let you into this room. Ask whoever runs this site for access.",
      };
    case "forbidden_origin":
      return {
        status: "Not allowed from this site",
        notice: "This page may not connect to the room from this address.",
      };
    default:
      return { status: "Not connected", notice: sentence(message) };
  }
}
