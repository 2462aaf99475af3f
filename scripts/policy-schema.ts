// Prints policy.schema.json as the zod schemas define it; `--write` replaces the committed copy at
// the repository root, which a test keeps equal to this output.
import { writeFileSync } from "node:fs";
import { policySchemaText } from "../src/policy/schema.js";

const target = new URL("../../policy.schema.json", import.meta.url);
if (process.argv.includes("--write")) {
  writeFileSync(target, policySchemaText());
  console.log(`wrote ${target.pathname}`);
} else {
  process.stdout.write(policySchemaText());
}
