// Text shaping shared by both processes: everything a person or a host model reads as one line.

/** Whitespace folded to single spaces and the text cut at `max` characters, with an ellipsis. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
