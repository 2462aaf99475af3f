// Text shaping shared by both processes: everything a person or a host model reads as one line.

/** Whitespace folded to single spaces and the text cut at `max` characters, with an ellipsis. */
export function oneLine(text: string, max = 300): string {
  return cutChars(text.replace(/\s+/g, " ").trim(), max);
}

/** The text cut to at most `max` characters, the last an ellipsis; by code point, so no emoji is split in two. */
export function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** Cuts text to at most maxBytes of UTF-8, keeping the end (the newest lines) or the start. */
export function capText(text: string, maxBytes: number, keep: "start" | "end"): { text: string; truncated_bytes?: number } {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return { text };
  const kept = keep === "start" ? bytes.subarray(0, maxBytes) : bytes.subarray(bytes.length - maxBytes);
  // A cut can split a character; dropping the replacement character keeps the text clean.
  return { text: kept.toString("utf8").replace(/^\uFFFD+|\uFFFD+$/g, ""), truncated_bytes: bytes.length - maxBytes };
}
