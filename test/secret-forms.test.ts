// The redactor against a worker that writes the key back encoded: every form, embedded in other
// text at every alignment, is found and replaced; text without the key is left alone.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { dir } from "tmp-promise";
import { redactFiles, redactor, SecretScanner, secretForms } from "../src/secret/redact.js";

const key = "sk-test-4f1c9e2a7b3d5e6f8a9b0c1d2e3f4a5b";
const scanner = new SecretScanner([key]);
const hex = Buffer.from(key).toString("hex");
const escape = (upper: boolean) =>
  [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")[upper ? "toUpperCase" : "toLowerCase"]()}`).join("");

test("each encoded form embedded in other text is found and redacted", () => {
  const cases: [string, string][] = [
    ["verbatim", key],
    ["reversed", [...key].reverse().join("")],
    ["hex lower", hex],
    ["hex upper", hex.toUpperCase()],
    ["percent lower", hex.replace(/../g, "%$&")],
    ["percent upper", hex.toUpperCase().replace(/../g, "%$&")],
    ["unicode escapes lower", escape(false)],
    ["unicode escapes upper", escape(true)],
    ["unicode escapes inside JSON", JSON.stringify(escape(false)).slice(1, -1)],
    ["UTF-16LE bytes", Buffer.from(key, "utf16le").toString("latin1")],
    ["base64 alone", Buffer.from(key).toString("base64")],
    ["base64url alone", Buffer.from(key).toString("base64url")],
  ];
  for (const [name, form] of cases) {
    const text = `before ${form} after`;
    assert.ok(scanner.found(text), name);
    assert.ok(scanner.found(Buffer.from(text, "latin1")), `${name} as bytes`);
    assert.equal(scanner.redact(text), "before [redacted] after", name);
  }
});

test("base64 and base64url of the key inside a longer text are found at every alignment", () => {
  // Prefix and suffix characters whose bits are not zero, so no encoded character around the key is stable by luck.
  const prefixes = ["", "@", "@#", "@#~", "@#~é", "@#~é!"];
  const suffixes = ["", "!", "!?", "!?ÿ", "!?ÿ\n"];
  for (const encoding of ["base64", "base64url"] as const) {
    for (const prefix of prefixes) {
      for (const suffix of suffixes) {
        const text = `data: ${Buffer.from(prefix + key + suffix).toString(encoding)} end`;
        const name = `${encoding} ${JSON.stringify(prefix)} + key + ${JSON.stringify(suffix)}`;
        assert.ok(scanner.found(text), name);
        assert.ok(scanner.found(Buffer.from(text)), `${name} as bytes`);
        const redacted = scanner.redact(text);
        assert.match(redacted, /^data: \S*\[redacted\]\S* end$/, name);
        assert.ok(!scanner.found(redacted), `${name} after redaction`);
      }
    }
  }
});

test("a key written with its reverse overlapping it leaves nothing of either", () => {
  const palindromic = "sk-test-0123456789-aba";
  const reversed = [...palindromic].reverse().join("");
  const text = `x ${palindromic}${reversed.slice(3)} y`;
  assert.equal(redactor(palindromic)(text), "x [redacted] y");
});

test("a text without the key is returned as it was", () => {
  const texts = ["", "plain words", `${key.slice(0, -1)} is not the key`, Buffer.from(key.slice(1)).toString("hex").slice(2)];
  const redact = redactor(key);
  for (const text of texts) {
    assert.equal(redact(text), text);
    assert.ok(!scanner.found(text), text);
  }
});

test("short secrets are ignored and short encoded forms do not count", () => {
  const cases: [string | undefined, (forms: string[]) => void][] = [
    [undefined, () => undefined],
    ["", (forms) => assert.deepEqual(forms, [])],
    ["1234567", (forms) => assert.deepEqual(forms, [])],
    // Eight characters: the key and its reverse still count, as before; every encoded form is 12 or longer.
    ["abcdefgh", (forms) => assert.deepEqual(forms.slice(0, 2), ["abcdefgh", "hgfedcba"])],
  ];
  for (const [secret, check] of cases) {
    if (secret !== undefined) check(secretForms(secret));
    assert.equal(redactor(secret)(`a ${secret} b`), secret && secret.length >= 8 ? "a [redacted] b" : `a ${secret} b`);
  }
  assert.ok(
    secretForms("abcdefgh")
      .slice(2)
      .every((form) => form.length >= 12),
  );
  assert.ok(secretForms(key).includes(Buffer.from(key).toString("base64")));
});

test("every given secret is redacted and missing ones are skipped", () => {
  const other = "another-secret-value";
  const redact = redactor(key, undefined, other);
  const text = `${Buffer.from(other).toString("hex")} and ${key}`;
  assert.equal(redact(text), "[redacted] and [redacted]");
});

test("a record redacted as JSON text still parses and holds no form", () => {
  const record = { summary: `b64 ${Buffer.from(`x${key}`).toString("base64")} esc ${escape(false)} rev ${[...key].reverse().join("")}` };
  const text = redactor(key)(JSON.stringify(record));
  const parsed = JSON.parse(text) as typeof record;
  assert.match(parsed.summary, /^b64 \S\S\[redacted\]\S* esc \[redacted\] rev \[redacted\]$/);
  assert.ok(!scanner.found(text));
});

test("a 4 MiB buffer with the base64 form at its end is found", () => {
  const tail = Buffer.from(Buffer.from(`:${key}`).toString("base64"));
  const filler = Buffer.alloc(4 * 1024 * 1024, "A");
  assert.ok(scanner.found(Buffer.concat([filler, tail])));
  assert.ok(!scanner.found(filler));
  assert.ok(scanner.found(Buffer.concat([filler, tail]).toString("latin1")));
});

test("redactFiles rewrites the files holding a form and leaves the others and their other bytes alone", async (t) => {
  const tmp = await dir({ unsafeCleanup: true });
  t.after(() => tmp.cleanup());
  await mkdir(join(tmp.path, "deep", "er"), { recursive: true });
  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(key), Buffer.from([0xc3, 0x28])]);
  const files: [string, string | Buffer, string | Buffer][] = [
    ["transcript.jsonl", `{"text":"${Buffer.from(key).toString("base64url")}"}\n`, `{"text":"[redacted]"}\n`],
    ["deep/er/hex.txt", `key=${hex.toUpperCase()}`, "key=[redacted]"],
    ["deep/binary.bin", binary, Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("[redacted]"), Buffer.from([0xc3, 0x28])])],
    ["clean.txt", "nothing here", "nothing here"],
  ];
  for (const [path, content] of files) await writeFile(join(tmp.path, path), content);
  await redactFiles(tmp.path, new SecretScanner([key]));
  for (const [path, , expected] of files) {
    const actual = await readFile(join(tmp.path, path));
    assert.deepEqual(actual, Buffer.from(expected), path);
  }
  await redactFiles(join(tmp.path, "missing"), new SecretScanner([key]));
});
