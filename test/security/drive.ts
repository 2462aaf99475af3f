// Runs one job from a process of its own, so the security suite can run the control plane and
// the runner as an unprivileged uid: `node drive.js '<json {env, cwd, task, tier, continue?}>'` prints
// the record; with `continue` (a job id) the task is that job's next round.
import { loadConfig } from "../../src/config.js";
import { Engine } from "../../src/control/engine.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as {
  env: NodeJS.ProcessEnv;
  cwd: string;
  task: string;
  tier: "fast" | "think";
  continue?: string;
};
const engine = new Engine(loadConfig(spec.env), spec.env);
const started = spec.continue
  ? await engine.continue(spec.continue, { task: spec.task })
  : await engine.start({ cwd: spec.cwd, task: spec.task, tier: spec.tier });
process.stdout.write(JSON.stringify(await engine.wait(started.id, 150)));
