import type { Refusal } from "./refusal";

// A refusal in words: what happened and what to do, for the notice; and a
// short form for the status line.

const sentence = (text: string) =>
  text === "" ? "" : `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

export type RefusalWords = { status: string; notice: string; action?: "rejoin" };

export function refusalWords({ code, message }: Refusal, name: string): RefusalWords {
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
        notice: `Someone else in this room goes by “${name}” (or a name that looks like it). Pick another name.`,
      };
    case "bad_name":
      return { status: "Not connected: pick another name", notice: `That name can't be used: ${message}.` };
    case "banned":
      return {
        status: "Banned from this room",
        notice: `${/ by /.test(message) ? sentence(message) : "You are banned from this room."} You cannot come back unless a moderator lifts the ban.`,
      };
    case "kicked":
      return {
        status: "Removed from this room",
        notice: `${sentence(message) || "You were removed from this room."} You can rejoin when you are ready.`,
        action: "rejoin",
      };
    case "unauthorized":
      return {
        status: "Not signed in",
        notice: /expired/.test(message)
          ? "Your sign-in has expired. Sign in again, then come back to this page."
          : "You need to sign in to join this room. Sign in, then come back to this page.",
      };
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
