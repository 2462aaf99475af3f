// Sizes ("512KiB") and durations ("10m") as policy files write them. The patterns are what the JSON
// Schema shows editors; the explanations say what is wrong with a value that does not fit them.
import { describeValue } from "./problems.js";

export const sizePattern = /^[1-9][0-9]{0,9}(?:B|KB|KiB|MB|MiB|GB|GiB)$/;
export const durationPattern = /^[1-9][0-9]{0,4}[smh]$/;

/** Longest duration any policy field accepts; checks and setup commands have a lower host cap. */
export const maxDurationS = 86_400;
export const hostCommandCapS = 3600;

const sizeUnits: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };
const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Bytes of a size already known to match `sizePattern`, or a whole number of bytes. */
export function sizeBytes(value: number | string): number {
  if (typeof value === "number") return value;
  const [, digits, unit] = /^(\d+)(\D+)$/.exec(value)!;
  return Number(digits) * sizeUnits[unit!]!;
}

/** Seconds of a duration already known to match `durationPattern`, or whole seconds. */
export function durationSeconds(value: number | string): number {
  if (typeof value === "number") return value;
  return Number(value.slice(0, -1)) * durationUnits[value.slice(-1)]!;
}

export function sizeProblem(value: unknown): string {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 1 ? "is too large" : `must be a whole number of bytes of at least 1, got ${value}`;
  }
  return `use a whole number and B, KB, KiB, MB, MiB, GB or GiB, e.g. "512KiB", got ${describeValue(value)}`;
}

export function durationProblem(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > maxDurationS) return `must be at most 24h, got ${value} seconds`;
    return `must be whole seconds of at least 1, or use s, m or h, e.g. "10m", got ${value}`;
  }
  if (typeof value === "string" && durationPattern.test(value)) return `must be at most 24h, got "${value}"`;
  return `use s, m or h, e.g. "10m", got ${describeValue(value)}`;
}

/** "512KiB" style, for reasons: the largest binary unit that keeps at least one whole digit. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits).replace(/\.0$/, "")}${units[unit]}`;
}

/** "38s", "12m", "2h": short enough for a reason line. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}
