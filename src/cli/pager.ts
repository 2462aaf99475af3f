// Long output (review) goes through the pager git would use, at a terminal only. A pager that
// fails is said so on stderr and the text is printed without it: never a silent empty screen.
import { execa } from "execa";

export async function page(text: string, options: { enabled: boolean; cwd: string }): Promise<void> {
  const pager = options.enabled ? await pagerOf(options.cwd) : undefined;
  if (!pager) {
    console.log(text);
    return;
  }
  // less's usual flags for colored text that may fit on one screen, unless the user set their own.
  const env = { LESS: process.env.LESS ?? "FRX", LV: process.env.LV ?? "-c" };
  const result = await execa(pager, { shell: true, input: `${text}\n`, stdout: "inherit", stderr: "inherit", env, reject: false });
  if (result.exitCode === 0 || result.signal === "SIGPIPE") return;
  const how = result.exitCode === undefined ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
  console.error(`code-worker: the pager "${pager}" failed (${how}); the text follows without it (--no-pager, or set GIT_PAGER)`);
  console.log(text);
}

/** GIT_PAGER, core.pager, PAGER or less, as git chooses; none when it is cat. */
async function pagerOf(cwd: string): Promise<string | undefined> {
  const chosen = await execa("git", ["var", "GIT_PAGER"], { cwd, reject: false });
  const pager = chosen.exitCode === 0 ? chosen.stdout.trim() : "less";
  return pager && pager !== "cat" ? pager : undefined;
}
