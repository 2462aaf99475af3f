// The provider relay: a per-job HTTP server on a unix socket, inside the runner. The worker talks
// to it with a per-job token; the relay checks the token, swaps it for the real key and forwards
// the request to the provider. So the worker never holds the key, its token is worthless outside
// the job and dead once the relay closes, and the runner sees every byte of every turn.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { UsageTally, type ProviderUsage } from "./usage.js";

export interface RelayOptions {
  /** The unix socket to listen on (its directory must be the runner's alone); without one, a loopback port. */
  socketPath?: string;
  /** The provider's base URL, without the trailing /v1 (Claude Code adds /v1/messages itself). */
  upstream: string;
  apiKey: string;
}

/** One request sent on and not yet answered to its end. */
export interface OpenRequest {
  id: number;
  startedAt: number;
  /** Bytes of the answer so far. */
  bytes: number;
  lastByteAt?: number;
}

/** What the relay has seen, for stall detection and the job's token counts. */
export interface RelayActivity extends ProviderUsage {
  requests: number;
  /** Requests sent on and not yet answered to their end. */
  open: number;
  /** The oldest of them. */
  request?: OpenRequest;
  /** Epoch ms of the last byte from the provider, or of the last request sent when none came since. */
  lastByteAt?: number;
  /** Requests refused: a missing or wrong token, or anything but a model turn. */
  refused: number;
  /** The provider's last error answer, and how long it asked to wait. */
  lastError?: { status: number; retryAfterS?: number };
}

export interface Relay {
  /** What the worker puts in ANTHROPIC_API_KEY. */
  token: string;
  /** The loopback URL, when listening on a port rather than a socket. */
  url?: string;
  activity(): RelayActivity;
  /** Stops listening and cuts every open request: the token is dead from here on. */
  close(): Promise<void>;
}

/** The key buys the worker its model turns and nothing else of the account (files, batches, admin). */
const forwardedPaths = new Set(["/v1/messages", "/v1/messages/count_tokens"]);

/** Headers that describe one hop: each side of the relay writes its own. */
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** Never forwarded upstream: the hop's own, and the credentials the relay replaces. */
const dropped = new Set([...hopByHop, "host", "x-api-key", "authorization", "content-length"]);

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const token = `cw-job-${randomBytes(24).toString("base64url")}`;
  const upstream = new URL(options.upstream);
  const tally = new UsageTally();
  const state = {
    requests: 0,
    refused: 0,
    lastByteAt: undefined as number | undefined,
    lastError: undefined as RelayActivity["lastError"],
  };
  const open = new Map<number, OpenRequest>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const presented = presentedToken(req.headers);
    if (!presented || !sameSecret(presented.value, token)) {
      state.refused += 1;
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ type: "error", error: { type: "authentication_error", message: "code-worker relay: this token is not valid" } }),
      );
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "HEAD" || (req.method === "GET" && path === "/")) {
      res.writeHead(200).end(); // Claude Code's warm-up: nothing the provider needs to see
      return;
    }
    if (req.method !== "POST" || !forwardedPaths.has(path ?? "")) {
      state.refused += 1;
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          type: "error",
          error: { type: "permission_error", message: "code-worker relay: only POST /v1/messages is forwarded" },
        }),
      );
      return;
    }
    forward(req, res, presented.scheme);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, res: ServerResponse, scheme: "x-api-key" | "bearer"): void {
    state.requests += 1;
    const tracked: OpenRequest = { id: state.requests, startedAt: Date.now(), bytes: 0 };
    open.set(tracked.id, tracked);
    state.lastByteAt = Date.now();
    const headers = forwardedHeaders(req.headers, upstream, scheme, options.apiKey);
    const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;
    const path = `${upstream.pathname.replace(/\/+$/, "")}${req.url ?? "/"}`;
    const outbound = send(upstream, { method: req.method, path, headers }, (answer) => {
      const status = answer.statusCode ?? 502;
      if (status >= 400) state.lastError = { status, ...retryAfter(answer.headers) };
      res.writeHead(status, withoutHopHeaders(answer.headers));
      const sse = String(answer.headers["content-type"] ?? "").includes("text/event-stream");
      answer.on("data", (chunk: Buffer) => {
        state.lastByteAt = Date.now();
        tracked.bytes += chunk.length;
        tracked.lastByteAt = state.lastByteAt;
        if (sse) tally.push(chunk);
        res.write(chunk);
      });
      answer.on("end", () => res.end());
      answer.on("error", () => res.destroy());
    });
    res.on("close", () => open.delete(tracked.id));
    outbound.on("error", (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            type: "error",
            error: { type: "api_error", message: `code-worker relay: cannot reach the provider (${error.message})` },
          }),
        );
      } else res.destroy();
    });
    res.on("close", () => outbound.destroy());
    req.pipe(outbound);
  }

  const { socketPath } = options;
  if (socketPath) await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (socketPath) server.listen(socketPath, () => resolve());
    else server.listen(0, "127.0.0.1", () => resolve());
  });
  // The worker may run as another uid (root starts it as an unprivileged one); it sees only this socket.
  if (socketPath) await chmod(socketPath, 0o666);
  const address = server.address();

  return {
    token,
    ...(address && typeof address === "object" ? { url: `http://127.0.0.1:${address.port}` } : {}),
    activity: () => ({
      ...state,
      open: open.size,
      ...(open.size ? { request: { ...open.values().next().value! } } : {}),
      ...tally.usage(),
    }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (socketPath) await rm(socketPath, { force: true });
    },
  };
}

function retryAfter(headers: IncomingHttpHeaders): { retryAfterS?: number } {
  const seconds = Number(headers["retry-after"]);
  return Number.isFinite(seconds) && seconds >= 0 ? { retryAfterS: seconds } : {};
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

function presentedToken(headers: IncomingHttpHeaders): { value: string; scheme: "x-api-key" | "bearer" } | undefined {
  const key = headers["x-api-key"];
  if (typeof key === "string") return { value: key, scheme: "x-api-key" };
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return { value: auth.slice(7), scheme: "bearer" };
  return undefined;
}

function sameSecret(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  upstream: URL,
  scheme: "x-api-key" | "bearer",
  apiKey: string,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !dropped.has(name)) headers[name] = value;
  }
  headers.host = upstream.host;
  if (scheme === "bearer") headers.authorization = `Bearer ${apiKey}`;
  else headers["x-api-key"] = apiKey;
  if (incoming["content-length"] !== undefined) headers["content-length"] = incoming["content-length"];
  return headers;
}
