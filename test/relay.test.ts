// The provider relay against the scripted provider: the token is swapped for the key, a wrong one
// never reaches the provider, usage is counted from the stream, and the token dies with the relay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startScriptedProvider } from "../src/provider/scripted-provider.js";
import { startRelay } from "../src/relay/relay.js";
import { UsageTally } from "../src/relay/usage.js";
import { testKey } from "./helpers.js";

function ask(url: string, key: string, auth: "x-api-key" | "bearer" = "x-api-key"): Promise<Response> {
  const headers = {
    "content-type": "application/json",
    ...(auth === "bearer" ? { authorization: `Bearer ${key}` } : { "x-api-key": key }),
  };
  return fetch(`${url}/v1/messages?beta=true`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
  });
}

test("the relay forwards with the key, refuses any other token, counts usage, and is dead once closed", async (t) => {
  const provider = await startScriptedProvider({
    scripts: {
      "*": {
        turns: [
          { content: [{ type: "text", text: "hi" }], usage: { input_tokens: 120, output_tokens: 30 } },
          { content: [{ type: "text", text: "again" }] },
        ],
      },
    },
    apiKey: testKey,
  });
  t.after(() => provider.close());
  const relay = await startRelay({ upstream: provider.url, apiKey: testKey });

  const answered = await ask(relay.url!, relay.token);
  assert.equal(answered.status, 200);
  assert.match(await answered.text(), /event: message_stop/);
  assert.equal((await ask(relay.url!, relay.token, "bearer")).status, 200);
  assert.deepEqual(
    provider.requests.map((request) => [request.path, request.apiKey]),
    [
      ["/v1/messages", testKey],
      ["/v1/messages", testKey],
    ],
  );

  const refused = await ask(relay.url!, `${relay.token}x`);
  assert.equal(refused.status, 401);
  assert.equal((await ask(relay.url!, testKey)).status, 401); // the key itself is no token
  assert.equal(provider.requests.length, 2);

  // The key buys model turns only: no other path or method of the account reaches the provider.
  for (const [method, path] of [
    ["DELETE", "/v1/organizations/anything"],
    ["GET", "/v1/files"],
    ["POST", "/v1/messages/batches"],
    ["GET", "/v1/messages"],
  ] as const) {
    const other = await fetch(`${relay.url}${path}`, { method, headers: { "x-api-key": relay.token } });
    assert.equal(other.status, 403, `${method} ${path}`);
  }
  assert.equal((await fetch(relay.url!, { method: "HEAD", headers: { "x-api-key": relay.token } })).status, 200);
  assert.equal(provider.requests.length, 2);

  const activity = relay.activity();
  assert.deepEqual(
    {
      requests: activity.requests,
      open: activity.open,
      refused: activity.refused,
      input: activity.input_tokens,
      output: activity.output_tokens,
    },
    { requests: 2, open: 0, refused: 6, input: 220, output: 50 },
  );
  await relay.close();
  await assert.rejects(ask(relay.url!, relay.token));
});

test("usage is read from events split anywhere across chunks", () => {
  const stream = [
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n',
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":4}}\n\ndata: not json\n\n',
  ].join("");
  for (const size of [1, 7, 64, stream.length]) {
    const tally = new UsageTally();
    for (let at = 0; at < stream.length; at += size) tally.push(Buffer.from(stream.slice(at, at + size)));
    assert.deepEqual(tally.usage(), { input_tokens: 18, output_tokens: 11 }, `chunks of ${size}`);
  }
});
