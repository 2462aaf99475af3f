// The layout as a rule: which folder may import which, and no import cycle anywhere in src/.
// Reads the TypeScript sources (two levels up from the built test), so it sees type-only imports too.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const src = resolve(import.meta.dirname, "..", "..", "src");

/** Each source file (relative to src/) and the src files it imports. */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".ts"));
  return new Map(
    files.map((file) => {
      const text = readFileSync(join(src, file), "utf8");
      const targets = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)\.js"/gms)].map((match) =>
        relative(src, resolve(src, dirname(file), `${match[1]}.ts`)),
      );
      return [file, targets];
    }),
  );
}

const graph = importGraph();
const folder = (file: string) => (file.includes("/") ? file.split("/")[0]! : file);

/** Folders each folder may import besides itself; a top-level file (errors.ts, text.ts, config.ts) is open to all. */
const allowed: Record<string, string[]> = {
  git: ["facts", "os"], // os/run-file.ts: the process every git runs in
  facts: [],
  os: [],
  secret: [],
  relay: [],
  policy: ["facts"],
  checks: ["facts", "policy", "os", "secret"],
  worker: ["os"],
  store: ["facts", "policy", "git", "secret"],
  runner: ["store", "facts", "git", "policy", "checks", "worker", "os", "relay", "secret"],
  control: ["store", "facts", "git", "policy", "os", "worker", "doctor", "views"],
};

test("each folder imports only the layers below it: git computes facts, the runner and the control plane never import each other", () => {
  const breaches: string[] = [];
  for (const [file, targets] of graph) {
    const from = folder(file);
    const may = allowed[from];
    if (!may) continue;
    for (const target of targets) {
      const to = folder(target);
      if (to !== from && target.includes("/") && !may.includes(to)) breaches.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(breaches, []);
});

test("src/ has no import cycle", () => {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    state.set(file, "open");
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === "open") cycles.push([...path.slice(path.indexOf(target)), target].join(" → "));
      else if (!state.has(target)) visit(target, [...path, target]);
    }
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, []);
});
