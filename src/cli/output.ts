// Where a command's results go: human lines by default (colored at a terminal), the compact JSON
// views with --json.
import { painter, type Paint } from "./color.js";

export class Output {
  readonly paint: Paint;
  readonly color: boolean;

  constructor(
    readonly json: boolean,
    color = false,
  ) {
    this.color = color && !json;
    this.paint = painter(this.color);
  }

  /** A progress line: people only, JSON readers get the final view alone. */
  line(text: string): void {
    if (!this.json) console.log(text);
  }

  view(value: unknown, human: string): void {
    if (this.json) this.print(value);
    else console.log(human);
  }

  print(value: unknown): void {
    console.log(JSON.stringify(value));
  }
}
