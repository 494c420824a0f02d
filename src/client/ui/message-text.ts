import { type FormatPart, formatText } from "../text/format";
import { findMentions } from "../text/mentions";
import { el } from "./dom";

// Formatting, links and mentions as DOM nodes built with textContent: the text is never parsed as HTML.

const LINK_REL = "noopener noreferrer nofollow";

/** A message's text as nodes: code, strong, emphasis, http(s) links, and `@me` highlighted. */
export function messageTextNodes(text: string, myName: string): Node[] {
  return formatText(text).map((part) => partNode(part, myName));
}

function partNode(part: FormatPart, myName: string): Node {
  if (part.pre) {
    const block = el("pre", "code-block");
    block.append(el("code", undefined, part.text));
    // Scrolls sideways inside itself: keyboard users reach it too.
    block.tabIndex = 0;
    return block;
  }
  let node: Node;
  if (part.code) node = el("code", "code", part.text);
  else if (part.href !== undefined) {
    const link = el("a", "link", part.text);
    link.href = part.href;
    link.rel = LINK_REL;
    link.target = "_blank";
    node = link;
  } else node = withMentions(part.text, myName);
  if (part.em) node = wrap("em", node);
  if (part.strong) node = wrap("strong", node);
  return node;
}

function wrap(tag: "em" | "strong", child: Node): HTMLElement {
  const element = el(tag);
  element.append(child);
  return element;
}

function withMentions(text: string, myName: string): Node {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const [start, end] of findMentions(text, myName)) {
    if (start > at) fragment.append(text.slice(at, start));
    fragment.append(el("mark", "mention", text.slice(start, end)));
    at = end;
  }
  if (at < text.length) fragment.append(text.slice(at));
  return fragment;
}
