// The worker's raw event stream, kept within a fixed size: when the current file passes half the
// cap it becomes events.1.jsonl (replacing the older half), so the newest events are always kept.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync } from "node:fs";
import type { Redact } from "../secret/redact.js";

export const eventLogCap = 4 * 1024 * 1024;
const lineCap = 64 * 1024;

export class EventLog {
  private size: number;

  constructor(
    private readonly path: string,
    private readonly olderPath: string,
    private readonly redact: Redact,
  ) {
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  append(line: string): void {
    let text = this.redact(line);
    if (text.length > lineCap) {
      text = JSON.stringify({ type: "code_worker_truncated", bytes: text.length, head: text.slice(0, 2048) });
    }
    if (this.size + text.length > eventLogCap / 2) {
      if (existsSync(this.path)) renameSync(this.path, this.olderPath);
      this.size = 0;
    }
    appendFileSync(this.path, `${text}\n`);
    this.size += text.length + 1;
  }
}

/** The last `count` lines across the rotated pair, oldest first. */
export function tailLines(path: string, olderPath: string, count: number): string[] {
  const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean) : []);
  const current = read(path);
  const lines = current.length >= count ? current : [...read(olderPath), ...current];
  return lines.slice(-count);
}
