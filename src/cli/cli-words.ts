// The engine's errors name the MCP tools' parameters; on the command line the same fix is a flag.
const flagOf: Record<string, string> = {
  accept_review: "--accept-review",
  timeout_s: "--timeout",
  task_label: "--label",
};

/** The message with every MCP parameter name replaced by the flag that sets it. */
export function inCliWords(message: string): string {
  return message.replace(/\b(accept_review|timeout_s|task_label)\b/g, (name) => flagOf[name] ?? name);
}
