import { el } from "./dom";
import { DELETED_TEXT } from "./message-item";

/** What a quote shows of the message answered: its author and first line, or that it is gone or not loaded. */
export type Quoted = { name: string; text: string; deleted: boolean } | undefined;

const firstLine = (text: string) => {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
};

/** The quote above a reply: a button that brings the original into view. */
export function showQuote(item: HTMLLIElement, replyTo: number, quoted: Quoted, jump: (seq: number) => void): void {
  let quote = item.querySelector<HTMLButtonElement>(".quote");
  if (!quote) {
    quote = el("button", "quote");
    quote.type = "button";
    quote.dataset.replyTo = String(replyTo);
    quote.addEventListener("click", () => jump(replyTo));
    item.querySelector(".text")?.before(quote);
  }
  fillQuote(quote, quoted);
}

/** Updates every quote of `seq` (it was loaded, edited or deleted). */
export function refreshQuotes(list: HTMLElement, seq: number, quoted: Quoted): void {
  for (const quote of list.querySelectorAll<HTMLButtonElement>(`.quote[data-reply-to="${seq}"]`)) {
    fillQuote(quote, quoted);
  }
}

function fillQuote(quote: HTMLButtonElement, quoted: Quoted): void {
  const author = el("span", "quote-author", quoted && !quoted.deleted ? quoted.name : "");
  const line = !quoted ? "an earlier message" : quoted.deleted ? DELETED_TEXT : firstLine(quoted.text);
  const words = el("span", "quote-text", line);
  words.dir = "auto";
  quote.replaceChildren(author, words);
  const who = quoted && !quoted.deleted ? `${quoted.name}: ` : "";
  quote.setAttribute("aria-label", `Reply to ${who}${line}. Show it.`);
}
