import { splitLinks } from "../text/linkify";
import { findMentions } from "../text/mentions";
import { el } from "./dom";

// Links and mentions as DOM nodes built with textContent: the text is never parsed as HTML.

const LINK_REL = "noopener noreferrer nofollow";

/** A message's text as nodes: plain text, http(s) links, and `@me` highlighted. */
export function messageTextNodes(text: string, myName: string): Node[] {
  const nodes: Node[] = [];
  for (const part of splitLinks(text)) {
    if (part.href !== undefined) {
      const link = el("a", "link", part.text);
      link.href = part.href;
      link.rel = LINK_REL;
      link.target = "_blank";
      nodes.push(link);
      continue;
    }
    let at = 0;
    for (const [start, end] of findMentions(part.text, myName)) {
      if (start > at) nodes.push(document.createTextNode(part.text.slice(at, start)));
      nodes.push(el("mark", "mention", part.text.slice(start, end)));
      at = end;
    }
    if (at < part.text.length) nodes.push(document.createTextNode(part.text.slice(at)));
  }
  return nodes;
}
