// Color for people at a terminal: status, verdict and failed checks stand out. None when stdout is
// not a terminal or NO_COLOR is set (FORCE_COLOR turns it on for a pipe, as most CLIs do).
import type { JobState } from "../store/record.js";

const codes = { red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], dim: [2, 22] } as const;
export type Style = keyof typeof codes;
export type Paint = (style: Style | undefined, text: string) => string;

export function colorWanted(env: NodeJS.ProcessEnv, stream: NodeJS.WriteStream): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true && stream.hasColors?.() === true;
}

export function painter(enabled: boolean): Paint {
  return (style, text) => (enabled && style ? `\u001b[${codes[style][0]}m${text}\u001b[${codes[style][1]}m` : text);
}

export function statusStyle(state: string): Style | undefined {
  const styles: Partial<Record<JobState | "unreadable", Style>> = {
    done: "green",
    applied: "green",
    failed: "red",
    timed_out: "red",
    lost: "red",
    unreadable: "red",
    cancelled: "yellow",
    discarded: "dim",
  };
  return styles[state as JobState] ?? "cyan";
}

export function verdictStyle(verdict: string): Style | undefined {
  return verdict === "approve" ? "green" : verdict === "review" ? "yellow" : verdict === "reject" ? "red" : undefined;
}

/**
 * describeJob's lines with their status, verdict and failed checks colored; the view itself stays
 * plain text, shared with the MCP server.
 */
export function paintJob(text: string, paint: Paint): string {
  return text
    .split("\n")
    .map((line, i) => {
      if (i === 0) return line.replace(/^(\S+ {2})([a-z_]+)/, (_, id: string, state: string) => id + paint(statusStyle(state), state));
      return line
        .replace(
          /^( {2}policy {2})(approve|review|reject)/,
          (_, head: string, verdict: string) => head + paint(verdictStyle(verdict), verdict),
        )
        .replace(/^( {2}checks {2}.*?, )([1-9]\d* failed.*)$/, (_, head: string, failed: string) => head + paint("red", failed));
    })
    .join("\n");
}
