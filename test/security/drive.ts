// Runs one job from a process of its own, so the security suite can run the control plane and
// the runner as an unprivileged uid: `node drive.js '<json {env, cwd, task, tier}>'` prints the record.
import { loadConfig } from "../../src/config.js";
import { Engine } from "../../src/control/engine.js";

const { env, cwd, task, tier } = JSON.parse(process.argv[2] ?? "{}") as {
  env: NodeJS.ProcessEnv;
  cwd: string;
  task: string;
  tier: "fast" | "think";
};
const engine = new Engine(loadConfig(env), env);
const started = await engine.start({ cwd, task, tier });
process.stdout.write(JSON.stringify(await engine.wait(started.id, 150)));
