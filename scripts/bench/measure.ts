// One row of the bench's table and results.json, and the arithmetic behind it: every timed figure
// is the median (and min) of repeated runs, set against a baseline run interleaved with it.

export interface Measure {
  name: string;
  /** The median of the runs (or the one value of a count or a size). */
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target: string;
  /** null: a figure reported for what it shows, with no target of its own. */
  met: boolean | null;
  min?: number;
  baseline_min?: number;
  runs?: number;
  /** Breakdowns (the phase split) and the notes that explain a value. */
  detail?: Record<string, number | string>;
}

export const measures: Measure[] = [];

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/**
 * Waits before a timed run until what the last one set going has finished (the server starting its
 * next spare runner, the page cache writing back), so no run pays for the one before it.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A timed figure against its baseline: medians, mins, and the ratio of the medians; no maxRatio: reported only. */
export function compare(name: string, runs: number[], baselineRuns: number[], unit: string, maxRatio: number | undefined, detail?: Measure["detail"]): Measure {
  const value = median(runs);
  const baseline = median(baselineRuns);
  const ratio = round(value / baseline);
  const measure: Measure = {
    name,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio,
    target: maxRatio === undefined ? "reported" : `≤ ${maxRatio}×`,
    met: maxRatio === undefined ? null : ratio <= maxRatio,
    min: round(Math.min(...runs)),
    baseline_min: round(Math.min(...baselineRuns)),
    runs: runs.length,
    ...(detail ? { detail } : {}),
  };
  measures.push(measure);
  return measure;
}

export function record(measure: Measure): void {
  measures.push(measure);
}

export function printTable(): void {
  console.log("\n| measure | value (min) | baseline (min) | ratio | target | met |\n|---|---|---|---|---|---|");
  for (const m of measures) {
    const value = `${m.value}${m.min === undefined ? "" : ` (${m.min})`} ${m.unit}`;
    const baseline = m.baseline === undefined ? "" : `${m.baseline}${m.baseline_min === undefined ? "" : ` (${m.baseline_min})`}`;
    const met = m.met === null ? "—" : m.met ? "yes" : "no";
    console.log(`| ${m.name} | ${value} | ${baseline} | ${m.ratio === undefined ? "" : `${m.ratio}×`} | ${m.target} | ${met} |`);
  }
  const details = measures.filter((m) => m.detail);
  if (details.length) console.log("");
  for (const m of details) console.log(`${m.name}: ${Object.entries(m.detail!).map(([k, v]) => `${k} ${v}`).join(", ")}`);
}
