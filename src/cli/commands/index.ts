// Every command, in the order the global help lists them. A new command is a module in this folder
// exporting defineCommand({...}); add it here and it gets parsing, --help and usage errors.
import type { Command } from "../command.js";
import { apply } from "./apply.js";
import { cancel } from "./cancel.js";
import { continueJob } from "./continue.js";
import { discard } from "./discard.js";
import { doctor } from "./doctor.js";
import { gc } from "./gc.js";
import { init } from "./init.js";
import { list } from "./list.js";
import { logs } from "./logs.js";
import { policyCheck } from "./policy-check.js";
import { policyExplain } from "./policy-explain.js";
import { policyTest } from "./policy-test.js";
import { review } from "./review.js";
import { start } from "./start.js";
import { status } from "./status.js";
import { wait } from "./wait.js";

export const commands: readonly Command[] = [
  start,
  continueJob,
  status,
  wait,
  list,
  cancel,
  logs,
  review,
  apply,
  discard,
  gc,
  init,
  policyCheck,
  policyTest,
  policyExplain,
  doctor,
];
