import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { checkPolicyFile, policyFileNames } from "../../policy/load.js";
import { defineCommand } from "../command.js";

/**
 * Checks every file given (default .code-worker/policy.yaml), printing each one's problems as
 * file:line:col [CODE] key: message (--json: one object per file, a line each). Exit 1 when any
 * file has problems, 2 when one cannot be read; the files after a bad one are still checked.
 * Needs no configuration, so it works before anything is set up.
 */
export const policyCheck = defineCommand({
  name: "policy check",
  usage: "[FILE...]",
  about: "validate policy files (default .code-worker/policy.yaml)",
  flags: {},
  maxArgs: Infinity,
  example: "code-worker policy check .code-worker/policy.yaml",
  async run(files, _flags, { out }) {
    let exit = 0;
    for (const file of files.length ? files : [policyFileNames[0]]) {
      const path = resolve(file);
      let text: Buffer;
      try {
        text = await readFile(path);
      } catch {
        console.error(`code-worker: cannot read "${path}"; give the policy file's path`);
        exit = 2;
        continue;
      }
      const problems = checkPolicyFile({ name: file, text });
      if (out.json) out.print({ file: path, valid: problems.length === 0, problems });
      else console.log(problems.length ? problems.join("\n") : `${file}: valid`);
      if (problems.length) exit = Math.max(exit, 1);
    }
    return exit;
  },
});
