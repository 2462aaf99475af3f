// A program run to its end, its result a value whether it passed or failed: the exit code (-1 when
// it could not start or was killed), stdout whole and untrimmed, stderr. Node's own execFile: the
// runner spawns git a dozen times a job, and execa alone is some 100 module files to load first.
import { execFile } from "node:child_process";

export interface FileRun<Out extends string | Buffer = string> {
  exitCode: number;
  stdout: Out;
  stderr: string;
  /** Why it did not exit by itself: it could not start, ran past timeoutMs, or was signalled. */
  failure?: string;
}

export interface RunFileOptions {
  cwd?: string;
  /** The whole environment: nothing of the caller's is added. */
  env: Record<string, string>;
  /** Fed to stdin; without it the program reads an empty stdin. */
  input?: string;
  /** SIGTERM after this long. */
  timeoutMs?: number;
}

/** As execa's default: more output than this is a fault, not an answer. */
const maxBuffer = 100_000_000;

export function runFile(file: string, args: string[], options: RunFileOptions): Promise<FileRun> {
  return run(file, args, options, "utf8").then((result) => ({ ...result, stdout: result.stdout.toString("utf8") }));
}

/** runFile, stdout as bytes (a blob that may not be valid UTF-8). */
export function runFileBytes(file: string, args: string[], options: RunFileOptions): Promise<FileRun<Buffer>> {
  return run(file, args, options, "buffer").then((result) => ({ ...result, stdout: Buffer.from(result.stdout) }));
}

function run(file: string, args: string[], options: RunFileOptions, encoding: "utf8" | "buffer"): Promise<FileRun<string | Buffer>> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, encoding, maxBuffer, timeout: options.timeoutMs ?? 0 },
      (error, stdout, stderr) => {
        const text = Buffer.isBuffer(stderr) ? stderr.toString("utf8") : stderr;
        if (!error) return resolve({ exitCode: 0, stdout, stderr: text });
        const code = typeof error.code === "number" ? error.code : -1;
        const stopped = error.killed || error.signal ? `stopped by ${error.signal ?? "SIGTERM"}` : undefined;
        const failure = code === -1 ? (stopped ?? error.message.split("\n")[0]!) : undefined;
        resolve({ exitCode: code, stdout, stderr: text, ...(failure ? { failure } : {}) });
      },
    );
    // A program that could not start has no stdin to write to.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input);
  });
}
