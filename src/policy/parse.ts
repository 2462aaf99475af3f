// Policy text to a plain value, refusing hostile input before it is evaluated: the byte checks run
// before any parsing, and one walk over yaml's token tree refuses deep nesting (the composer
// recurses, and 30,000 nested "[" crash the process), anchors, aliases and tags before a document
// is composed, let alone expanded by toJS.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Parser, type CST, type Document, type Node } from "yaml";
import type { KeyPath, Problem } from "./problems.js";
import { formatBytes } from "./sizes.js";

/** Larger files are refused unread; a caller may check a blob's size against it first. */
export const maxPolicyBytes = 64 * 1024;
const maxDepth = 16;
const maxNodes = 5000;
const maxProblems = 20;

export interface ParsedText {
  /** The document as plain data; undefined when `problems` is not empty. */
  value?: Record<string, unknown>;
  problems: Problem[];
  /** 1-based line and column of a problem: its offset, else its key path in the document. */
  position(problem: Problem): { line: number; col: number };
}

export function parsePolicyText(fileName: string, input: string | Uint8Array): ParsedText {
  const decoded = decode(fileName, input);
  if ("problem" in decoded) return { problems: [decoded.problem], position: () => decoded.at };
  const text = decoded.text;
  const nul = text.indexOf("\u0000");
  if (nul !== -1) {
    return {
      problems: [{ code: "NUL_BYTE", path: [], message: "contains a NUL byte; a policy is a text file" }],
      position: () => positionIn(text, nul),
    };
  }
  const lines = new LineCounter();
  const at = (offset: number) => lines.linePos(offset);
  const position = (problem: Problem) => (problem.offset !== undefined ? at(problem.offset) : { line: 1, col: 1 });
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const shapeProblems = checkTokenTree(tokens);
  if (shapeProblems.length) return { problems: shapeProblems, position };

  const doc = parseDocument(text, { uniqueKeys: true, stringKeys: true, strict: true, prettyErrors: false, schema: "core", merge: false });
  const locate = (problem: Problem) => (problem.offset !== undefined ? at(problem.offset) : at(offsetOf(doc, problem.path, problem.key)));
  const syntax = [...doc.errors, ...doc.warnings].map((error) => ({
    code: error.code === "TAG_RESOLVE_FAILED" ? "TAG" : error.code,
    path: [],
    message: yamlMessage(error.code, error.message, text.slice(error.pos[0])),
    offset: error.pos[0],
  }));
  if (syntax.length) return { problems: syntax.slice(0, maxProblems), position: locate };
  if (!isMap(doc.contents)) {
    const got = doc.contents === null ? "the file is empty" : `got ${isSeq(doc.contents) ? "a list" : "a single value"}`;
    return {
      problems: [{ code: "NOT_A_MAPPING", path: [], message: `expected a mapping with "version: 1"; ${got}`, offset: 0 }],
      position: locate,
    };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>, problems: [], position: locate };
  } catch {
    // The token walk refuses aliases already; this is the backstop should one slip through.
    return { problems: [{ code: "ALIAS", path: [], message: anchorMessage, offset: 0 }], position: locate };
  }
}

function decode(fileName: string, input: string | Uint8Array): { text: string } | { problem: Problem; at: { line: number; col: number } } {
  const bytes = typeof input === "string" ? Buffer.byteLength(input) : input.length;
  if (bytes > maxPolicyBytes) {
    const name = fileName.split("/").at(-1);
    return {
      problem: { code: "TOO_LARGE", path: [], message: `${name} is ${formatBytes(bytes)}; the limit is 64KiB` },
      at: { line: 1, col: 1 },
    };
  }
  if (typeof input !== "string") {
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(input) };
    } catch {
      // Located below, byte by byte, only for the message.
    }
    const bad = firstInvalidUtf8(input);
    const before = input.subarray(0, bad);
    const line = before.filter((b) => b === 0x0a).length + 1;
    return {
      problem: { code: "BAD_UTF8", path: [], message: "is not valid UTF-8; save the file as UTF-8" },
      at: { line, col: bad - before.lastIndexOf(0x0a) },
    };
  }
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(input);
  if (!lone) return { text: input };
  return {
    problem: { code: "BAD_UTF8", path: [], message: "is not valid Unicode text (lone surrogate)" },
    at: positionIn(input, lone.index),
  };
}

function positionIn(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  return { line: before.split("\n").length, col: index - before.lastIndexOf("\n") };
}

/** Byte offset of the first byte that does not continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return bytes.length;
}

const nodeTypes = new Set([
  "scalar",
  "single-quoted-scalar",
  "double-quoted-scalar",
  "block-scalar",
  "alias",
  "block-map",
  "block-seq",
  "flow-collection",
]);
const collectionTypes = new Set(["block-map", "block-seq", "flow-collection"]);
const anchorMessage = "anchors and aliases are not supported; write the value out";

/**
 * Everything refused about the file's structure, found without recursion on yaml's token tree:
 * directives, size and depth limits, and anchors, aliases, tags and "<<" merge keys, each of which
 * makes a file mean more than it shows.
 */
function checkTokenTree(tokens: CST.Token[]): Problem[] {
  type Part = CST.Token | CST.CollectionItem | null | undefined;
  const stack: { part: Part; depth: number }[] = tokens.map((part) => ({ part, depth: 0 })).reverse();
  const problems: Problem[] = [];
  const refuse = (code: string, message: string, offset: number) => problems.push({ code, path: [], message, offset });
  let nodes = 0;
  while (stack.length && problems.length < maxProblems) {
    const { part, depth } = stack.pop()!;
    if (!part) continue;
    const children: Part[] = [];
    let childDepth = depth;
    if ("type" in part) {
      const { type, offset } = part as { type: string; offset: number };
      if (type === "directive")
        return [{ code: "DIRECTIVE", path: [], message: "YAML directives (%YAML, %TAG) are not supported", offset }];
      if (nodeTypes.has(type) && ++nodes > maxNodes)
        return [{ code: "TOO_MANY_NODES", path: [], message: `has more than ${maxNodes} YAML nodes`, offset }];
      if (collectionTypes.has(type)) {
        childDepth = depth + 1;
        if (childDepth > maxDepth) return [{ code: "TOO_DEEP", path: [], message: `is nested deeper than ${maxDepth} levels`, offset }];
      }
      if (type === "anchor" || type === "alias") refuse("ALIAS", anchorMessage, offset);
      if (type === "tag") refuse("TAG", "YAML tags are not supported", offset);
    } else if (part.key && "source" in part.key && part.key.type === "scalar" && part.key.source === "<<") {
      refuse("MERGE_KEY", 'merge keys ("<<") are not supported; write the keys out', part.key.offset);
    }
    for (const field of ["start", "key", "sep", "value", "props", "items", "end"] as const) {
      const child = (part as Record<string, unknown>)[field];
      if (Array.isArray(child)) children.push(...(child as Part[]));
      else if (typeof child === "object") children.push(child as Part);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ part: children[i], depth: childDepth });
  }
  return problems;
}

function yamlMessage(code: string, message: string, rest: string): string {
  if (code === "DUPLICATE_KEY") return `duplicate key "${/^["']?([^"':\n]*)/.exec(rest)?.[1]?.trim() ?? ""}"`;
  if (code === "MULTIPLE_DOCS") return 'a policy is one YAML document; remove the second "---"';
  if (code === "NON_STRING_KEY") return "keys must be plain strings";
  if (code === "TAG_RESOLVE_FAILED") return "YAML tags are not supported";
  const first = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Where a key path points in the document; the deepest existing node when the path goes further. */
function offsetOf(doc: Document.Parsed, path: KeyPath, key?: string): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range[0] ?? 0;
  const steps: (string | number)[] = key === undefined ? path : [...path, key];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      const atKey = key !== undefined && i === steps.length - 1;
      if (atKey || !pair.value) return (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number" && node.items[step]) {
      node = node.items[step];
    } else {
      break;
    }
    offset = (node as Node).range?.[0] ?? offset;
  }
  return offset;
}
