// The pure half of the tool surface's input handling: the one line an error becomes, and the
// strict parse every tool runs inside guarded. No server: these are tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { errorJson, UserError } from "../src/errors.js";
import { errorLine, excerpt, failure } from "../src/mcp/result.js";
import { toolInput } from "../src/mcp/schemas.js";

test("an error becomes one line under 200 bytes, with every long echoed run cut to 40 characters", () => {
  const id = "c".repeat(10_000);
  const path = `/home/someone/${"deep/".repeat(30)}repo`;
  const cases: [string, string][] = [
    ['unknown job "fix-sum-k7m2" (list jobs to see their ids)', 'unknown job "fix-sum-k7m2" (list jobs to see their ids)'],
    [`unknown job "${id}" (list jobs to see their ids)`, `unknown job "${"c".repeat(40)}…" (list jobs to see their ids)`],
    [`${path} is not inside a git repository`, `${path.slice(0, 40)}… is not inside a git repository`],
    ["two\nlines\n\n  here", "two lines here"],
  ];
  for (const [message, line] of cases) assert.equal(errorLine(message), line);
  // Many short words, or wide characters, still end under 200 bytes, on a character boundary.
  for (const message of ["word ".repeat(500), "é ".repeat(300), "🙂 ".repeat(100)]) {
    const line = errorLine(message);
    assert.ok(Buffer.byteLength(line) < 200, `${Buffer.byteLength(line)} bytes`);
    assert.ok(line.endsWith("…") && !line.includes("\uFFFD"));
  }
});

test("an error result carries its code and data beside the line, capped: 10 entries of a list and the count of the rest", () => {
  const paths = Array.from({ length: 25 }, (_, i) => `src/${"x".repeat(i === 0 ? 500 : 1)}${i}.ts`);
  const message = `the host has uncommitted changes in ${paths.slice(0, 5).join(", ")} and 20 more, which the job also changes; commit or stash them, then apply again`;
  const result = failure("host_dirty", message, { paths, host_head: undefined });
  const line = (result.content[0] as { text: string }).text;
  assert.equal(line, errorLine(message));
  const error = (result.structuredContent as { error: Record<string, unknown> }).error;
  assert.deepEqual(error, { code: "host_dirty", message: line, paths: [`src/${"x".repeat(196)}…`, ...paths.slice(1, 10)], paths_more: 15 });
  assert.ok(Buffer.byteLength(JSON.stringify(result.structuredContent)) < 600);
  // The data cannot overwrite the code or the message.
  assert.deepEqual(errorJson("not_found", "no job", { code: "x", message: "y", job_id: "a-abcd" }), {
    code: "not_found",
    message: "no job",
    job_id: "a-abcd",
  });
});

test("excerpt quotes at most 40 characters of any value", () => {
  assert.equal(excerpt(undefined), "nothing");
  assert.equal(excerpt("short"), '"short"');
  assert.equal(excerpt("d".repeat(41)), `"${"d".repeat(40)}…"`);
  assert.equal(excerpt('say "hi"\n'), '"say \\"hi\\"\\n"');
  assert.equal(excerpt(null), "null");
  assert.equal(excerpt({ a: "e".repeat(100) }), `{"a":"${"e".repeat(34)}…`);
});

test("toolInput advertises the fields lean, accepts anything at the SDK, and parses strictly itself", () => {
  const input = toolInput({ name: z.string().max(8), count: z.number().int().min(1).optional(), mode: z.enum(["a", "b"]).optional() });
  const advertised = z.toJSONSchema(input.schema, { target: "draft-7", io: "input" });
  assert.deepEqual(advertised.required, ["name"]);
  // What parse refuses with a line of its own is not repeated to the model: unknown names, length bounds, an enum's type.
  assert.equal(advertised.additionalProperties, undefined);
  assert.deepEqual(advertised.properties, {
    name: { type: "string" },
    count: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    mode: { enum: ["a", "b"] },
  });
  // What the SDK runs: it must never refuse, or its two-line JSON-RPC text reaches the host.
  assert.equal(input.schema.safeParse({ nmae: 1, count: "x" }).success, true);
  assert.deepEqual(input.parse({ name: "n", count: 2 }), { name: "n", count: 2 });
  const refusals: [Record<string, unknown>, string][] = [
    [{ nmae: "n" }, 'unknown argument "nmae" (this tool takes name, count, mode)'],
    [{ name: "n", constructor: 1 }, 'unknown argument "constructor" (this tool takes name, count, mode)'],
    [{ name: "n\0" }, "name must be a string without NUL bytes, got one at character 1"],
    [{ name: "n", count: 0 }, "count must be a whole number of at least 1, got 0"],
    [{ name: "n", mode: "c" }, 'mode must be one of a, b, got "c"'],
    [{ name: 5 }, "name must be a string of at most 8 characters, got 5"],
  ];
  for (const [args, message] of refusals) {
    assert.throws(
      () => input.parse(args),
      (error: unknown) => error instanceof UserError && error.message === message,
      message,
    );
  }
});
