// The provider key must never reach a record, log, event file or result: everything the runner
// writes passes through one redactor that knows the key, in the encodings a worker could use.
//
// This is defence in depth behind the relay that keeps the key away from the worker: it catches
// the key verbatim, reversed, base64 / base64url (at any byte alignment), hex, percent-encoded,
// as \u escapes (also JSON-escaped once more) and as UTF-16LE. A key that is encrypted, split,
// interleaved, line-wrapped, mixed-case hex or otherwise transformed is NOT caught.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type Redact = (text: string) => string;

const replacement = "[redacted]";
/** Shorter secrets are ignored altogether: redacting them would mangle ordinary text. */
const minSecret = 8;
/** Shorter encoded forms match too much random text to be worth redacting. */
const minForm = 12;

/** Every form of the secret we look for; empty for a secret under 8 characters. */
export function secretForms(secret: string): string[] {
  if (secret.length < minSecret) return [];
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const units = Array.from({ length: secret.length }, (_, i) => secret.charCodeAt(i).toString(16).padStart(4, "0"));
  const escapes = [units.map((u) => `\\u${u}`).join(""), units.map((u) => `\\u${u.toUpperCase()}`).join("")];
  const encoded = [
    ...base64Forms(bytes),
    hex,
    hex.toUpperCase(),
    hex.replace(/../g, "%$&"),
    hex.toUpperCase().replace(/../g, "%$&"),
    ...escapes,
    // A record is redacted as JSON text, where a worker's literal backslash has become two.
    ...escapes.map((e) => e.replaceAll("\\", "\\\\")),
    ...(/^[\x00-\x7f]*$/.test(secret) ? [secret.replace(/[^]/g, "$&\0")] : []),
  ];
  // The verbatim and reversed key keep today's 8-character threshold: they are as specific as the key.
  const forms = [secret, [...secret].reverse().join(""), ...encoded.filter((form) => form.length >= minForm)];
  return [...new Set(forms)];
}

/**
 * Base64 and base64url, padded and not, of the secret on its own, and for each byte offset mod 3
 * the characters of its encoding inside a longer text that depend on the secret's bytes alone.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (const encoding of ["base64", "base64url"] as const) {
    const whole = bytes.toString(encoding).replace(/=+$/, "");
    forms.push(whole.padEnd(Math.ceil(whole.length / 4) * 4, "="), whole);
    for (const offset of [0, 1, 2]) {
      const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString(encoding);
      // Each character carries 6 bits: skip those holding any prefix bit, stop before any that holds a following bit.
      forms.push(text.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6)));
    }
  }
  return forms;
}

/** Finds and redacts the forms of some secrets; built once, used on every line the runner writes. */
export class SecretScanner {
  readonly forms: readonly string[];
  private readonly needles: readonly Buffer[];

  constructor(secrets: readonly (string | undefined)[]) {
    this.forms = [...new Set(secrets.flatMap((secret) => (secret ? secretForms(secret) : [])))];
    this.needles = this.forms.map((form) => Buffer.from(form, "utf8"));
  }

  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** Whether any form occurs; a Buffer is searched as bytes, never decoded. */
  found(text: string | Buffer): boolean {
    if (typeof text === "string") return this.forms.some((form) => text.includes(form));
    return this.needles.some((needle) => text.includes(needle));
  }

  /** The text with every form replaced; the same string when none occurs. */
  redact(text: string): string {
    const found = spans(text, this.forms);
    if (found.length === 0) return text;
    let out = "";
    let at = 0;
    for (const [start, end] of found) {
      out += text.slice(at, start) + replacement;
      at = end;
    }
    return out + text.slice(at);
  }

  /** The bytes with every form replaced, other bytes untouched (a binary file stays intact); the same Buffer when none occurs. */
  redactBytes(bytes: Buffer): Buffer {
    const found = spans(bytes, this.needles);
    if (found.length === 0) return bytes;
    const parts: Buffer[] = [];
    let at = 0;
    for (const [start, end] of found) {
      parts.push(bytes.subarray(at, start), Buffer.from(replacement));
      at = end;
    }
    parts.push(bytes.subarray(at));
    return Buffer.concat(parts);
  }
}

/**
 * Every occurrence of every needle, overlapping ones merged. Replacing forms one after another
 * would not do: a form that overlaps another (the key followed by its reverse sharing a letter)
 * would lose its overlap to the first replacement and survive, less a few characters.
 */
function spans<T extends string | Buffer>(haystack: T, needles: readonly T[]): [number, number][] {
  const found: [number, number][] = [];
  for (const needle of needles) {
    // The casts unite String's and Buffer's indexOf, which take the same arguments here.
    const indexOf = (from: number) => (haystack as string).indexOf(needle as string, from);
    for (let i = indexOf(0); i !== -1; i = indexOf(i + 1)) found.push([i, i + needle.length]);
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Replaces every form of every given secret; the identity when none is long enough to count. */
export function redactor(...secrets: (string | undefined)[]): Redact {
  const scanner = new SecretScanner(secrets);
  if (scanner.empty) return (text) => text;
  return (text) => scanner.redact(text);
}

/**
 * Rewrites every file under dir that holds a form of the secret, found and replaced as bytes.
 * Claude Code keeps its own transcript of the session in its config dir; a provider that echoes
 * the key would otherwise leave it there.
 */
export async function redactFiles(dir: string, scanner: SecretScanner): Promise<void> {
  if (scanner.empty) return;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // parentPath is Node 20.12's name for what 20.1 called path.
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const bytes = await readFile(path);
    if (scanner.found(bytes)) await writeFile(path, scanner.redactBytes(bytes));
  }
}
