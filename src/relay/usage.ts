// Token counts as the provider reports them, read from the server-sent events the relay passes on:
// message_start carries the input tokens, message_delta the output so far.
import { StringDecoder } from "node:string_decoder";

export interface ProviderUsage {
  input_tokens: number;
  output_tokens: number;
}

export class UsageTally {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private input = 0;
  private output = 0;
  /** Output of the message being streamed: message_delta reports a running total, not an increment. */
  private currentOutput = 0;

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line.trim());
  }

  usage(): ProviderUsage {
    return { input_tokens: this.input, output_tokens: this.output + this.currentOutput };
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    let event: { type?: string; message?: { usage?: Record<string, unknown> }; usage?: Record<string, unknown> };
    try {
      event = JSON.parse(line.slice(5));
    } catch {
      return; // not ours to judge: the worker sees the same bytes and reports what it makes of them
    }
    if (event.type === "message_start") {
      this.output += this.currentOutput;
      this.currentOutput = count(event.message?.usage?.output_tokens);
      const usage = event.message?.usage ?? {};
      this.input += count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + count(usage.cache_read_input_tokens);
    } else if (event.type === "message_delta") {
      this.currentOutput = Math.max(this.currentOutput, count(event.usage?.output_tokens));
    }
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}
