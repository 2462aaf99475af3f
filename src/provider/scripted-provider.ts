// A loopback server that speaks enough of the Anthropic Messages API to drive the real Claude Code
// binary through a scripted conversation. The demo, the smoke check and the tests all use it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptBlock = { type: "text"; text: string } | { type: "tool_use"; name: string; input: Record<string, unknown> };

/** One answer to one POST /v1/messages, in order. A turn either streams content or injects a fault. */
export interface ScriptTurn {
  content?: ScriptBlock[];
  /** Answer with this HTTP error status instead of content. */
  status?: number;
  /** Never answer: the request hangs until the client gives up or the server closes. */
  hang?: boolean;
  /** Send the message start and one block, then go silent mid-stream. */
  stall?: boolean;
  /** Wait this long between streamed events (a slow provider). */
  eventDelayMs?: number;
  /** After the message start, send one ping this often and nothing else: a provider that trickles. */
  trickleMs?: number;
  /** Extra response headers (e.g. retry-after with a status). */
  headers?: Record<string, string>;
  usage?: { input_tokens: number; output_tokens: number };
}

export interface Script {
  turns: ScriptTurn[];
  /** What every request past the last turn gets; by default a 500. */
  fallback?: ScriptTurn;
  /**
   * Turns chosen by the conversation's content rather than by the session: a request is in the
   * round whose `when` the last such user message contains, at the turn that counts the assistant
   * messages since. A resumed session and a fresh one told the same thing get the same answers.
   * Requests that name no round take `turns`, by a cursor per session.
   */
  rounds?: ScriptRound[];
}

export interface ScriptRound {
  /**
   * A substring of the user message that starts the round (a task, a follow-up, a fix request).
   * A retried request is at the same turn again, so a fault turn here answers every retry.
   */
  when: string;
  turns: ScriptTurn[];
  /** Past the round's last turn; by default the script's fallback. */
  fallback?: ScriptTurn;
}

export interface RecordedRequest {
  method: string;
  path: string;
  session: string;
  model?: string;
  apiKey?: string;
  turn?: number;
  /** The `when` of the round that answered, when one did. */
  round?: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface ScriptedProvider {
  /** Base URL to give a worker, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ProviderOptions {
  /** Scripts by model name; "*" matches any model. */
  scripts: Record<string, Script>;
  /** When set, requests must carry this key (x-api-key or bearer), else 401. */
  apiKey?: string;
  port?: number;
}

const sessionHeader = "x-claude-code-session-id";

export async function startScriptedProvider(options: ProviderOptions): Promise<ScriptedProvider> {
  const cursors = new Map<string, number>();
  let serial = 0; // ids unique across rounds: a resumed conversation holds every earlier round's
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, "api_error", String(error));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const path = (req.url ?? "/").split("?")[0]!;
    const session = String(req.headers[sessionHeader] ?? "none");
    const apiKey = headerKey(req);
    if (req.method !== "POST" || path !== "/v1/messages") {
      requests.push({ method: req.method ?? "", path, session, at });
      res.writeHead(req.method === "HEAD" ? 200 : 404).end();
      return;
    }
    const body = JSON.parse(await readBody(req)) as { model?: string; stream?: boolean; messages?: Message[] };
    const record: RecordedRequest = { method: "POST", path, session, model: body.model, apiKey, at };
    requests.push(record);
    if (options.apiKey !== undefined && apiKey !== options.apiKey) {
      sendError(res, 401, "authentication_error", "invalid x-api-key");
      return;
    }
    const script = options.scripts[body.model ?? ""] ?? options.scripts["*"];
    if (!script) {
      sendError(res, 404, "not_found_error", `model: ${body.model}`);
      return;
    }
    const inRound = roundTurn(script.rounds ?? [], body.messages ?? []);
    const index = inRound?.index ?? cursors.get(session) ?? 0;
    if (inRound) record.round = inRound.round.when;
    else cursors.set(session, index + 1);
    record.turn = index;
    const turn = (inRound ? (inRound.round.turns[index] ?? inRound.round.fallback) : script.turns[index]) ??
      script.fallback ?? { status: 500 };
    await answer(res, turn, body.model ?? "scripted", body.stream === true, serial++);
  }

  server.listen(options.port ?? 0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Message {
  role?: string;
  content?: string | { type?: string; text?: string }[];
}

/**
 * The round the conversation is in, from its last user message that names one, and the turn within
 * it. A message that names several (a fresh session told the task, then what to do now) is in the
 * one named last.
 */
export function roundTurn(rounds: ScriptRound[], messages: Message[]): { round: ScriptRound; index: number } | undefined {
  for (let at = messages.length - 1; at >= 0; at--) {
    const message = messages[at]!;
    if (message.role !== "user") continue;
    const round = lastNamed(rounds, userText(message));
    if (round) return { round, index: messages.slice(at + 1).filter((m) => m.role === "assistant").length };
  }
  return undefined;
}

/** What the user said: its text blocks; tool results are the tools' words, not the user's. */
function userText(message: Message): string {
  if (typeof message.content === "string") return message.content;
  return (message.content ?? []).map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("\n");
}

function lastNamed(rounds: ScriptRound[], text: string): ScriptRound | undefined {
  let best: { round: ScriptRound; end: number } | undefined;
  for (const round of rounds) {
    const start = text.lastIndexOf(round.when);
    const end = start < 0 ? -1 : start + round.when.length;
    if (start >= 0 && (!best || end > best.end)) best = { round, end };
  }
  return best?.round;
}

function headerKey(req: IncomingMessage): string | undefined {
  const key = req.headers["x-api-key"];
  if (typeof key === "string") return key;
  const auth = req.headers.authorization;
  return auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

const errorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  429: "rate_limit_error",
  529: "overloaded_error",
};

async function answer(res: ServerResponse, turn: ScriptTurn, model: string, stream: boolean, serial: number): Promise<void> {
  if (turn.hang) return; // the socket stays open until the client or close() ends it
  if (turn.status !== undefined) {
    sendError(res, turn.status, errorTypes[turn.status] ?? "api_error", `scripted ${turn.status}`, turn.headers);
    return;
  }
  const blocks = (turn.content ?? [{ type: "text", text: "Done." }]).map((block, i) =>
    block.type === "tool_use" ? { ...block, id: `toolu_${serial}_${i}` } : block,
  );
  const stopReason = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  const usage = turn.usage ?? { input_tokens: 100, output_tokens: 20 };
  const message = { id: `msg_${serial}`, type: "message", role: "assistant", model };
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...message, content: blocks, stop_reason: stopReason, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = async (event: string, data: unknown): Promise<void> => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (turn.eventDelayMs) await new Promise((r) => setTimeout(r, turn.eventDelayMs));
  };
  await send("message_start", {
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  if (turn.trickleMs) {
    const pinging = setInterval(() => res.write('event: ping\ndata: {"type":"ping"}\n\n'), turn.trickleMs);
    res.on("close", () => clearInterval(pinging));
    return;
  }
  for (const [i, block] of blocks.entries()) {
    if (block.type === "text") {
      await send("content_block_start", { type: "content_block_start", index: i, content_block: { type: "text", text: "" } });
      await send("content_block_delta", { type: "content_block_delta", index: i, delta: { type: "text_delta", text: block.text } });
    } else {
      const { input, ...start } = block;
      await send("content_block_start", { type: "content_block_start", index: i, content_block: { ...start, input: {} } });
      await send("content_block_delta", {
        type: "content_block_delta",
        index: i,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(input) },
      });
    }
    await send("content_block_stop", { type: "content_block_stop", index: i });
    if (turn.stall) return; // mid-stream silence: headers and a block sent, no end
  }
  await send("message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  await send("message_stop", { type: "message_stop" });
  res.end();
}
