// The provider key, read once when the runner starts from the source the configuration names.
import { readFile } from "node:fs/promises";
import type { Config } from "../config.js";
import { UserError } from "../errors.js";

export type KeySource = Config["keySource"];

export async function readKey(source: KeySource): Promise<string> {
  if (source.kind === "env") return process.env[source.variable]!.trim();
  if (source.kind === "none") {
    throw new UserError("configuration", "no provider key: set CODE_WORKER_API_KEY_FILE to a file holding the key", {
      variable: "CODE_WORKER_API_KEY_FILE",
    });
  }
  let key: string;
  try {
    key = (await readFile(source.path, "utf8")).trim();
  } catch {
    throw new UserError("configuration", `cannot read the key file "${source.path}" named by CODE_WORKER_API_KEY_FILE`, {
      variable: "CODE_WORKER_API_KEY_FILE",
    });
  }
  if (!key)
    throw new UserError("configuration", `the key file "${source.path}" (CODE_WORKER_API_KEY_FILE) is empty`, {
      variable: "CODE_WORKER_API_KEY_FILE",
    });
  return key;
}

/** The variable a person edits to change the key. */
export function keyVariable(source: KeySource): "CODE_WORKER_API_KEY" | "CODE_WORKER_API_KEY_FILE" {
  return source.kind === "env" ? "CODE_WORKER_API_KEY" : "CODE_WORKER_API_KEY_FILE";
}
