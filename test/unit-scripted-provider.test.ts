// The scripted provider over real HTTP: a round is found from the conversation's content, so a
// resumed session and a fresh one get the same turn; scripts without rounds keep a cursor per session.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startScriptedProvider, type ScriptTurn } from "../src/provider/scripted-provider.js";

const text = (t: string): ScriptTurn => ({ content: [{ type: "text", text: t }] });
const user = (content: unknown) => ({ role: "user", content });
const assistant = (t: string) => ({ role: "assistant", content: [{ type: "text", text: t }] });
const toolResult = (content: string) => user([{ type: "tool_result", tool_use_id: "toolu_1", content }]);

async function provider(t: { after(fn: () => Promise<void>): void }) {
  const scripted = await startScriptedProvider({
    scripts: {
      "*": {
        turns: [text("plain 0"), text("plain 1")],
        fallback: text("script fallback"),
        rounds: [
          { when: "ROUND-TASK", turns: [text("task 0"), text("task 1")], fallback: text("task fallback") },
          { when: "ROUND-FIX", turns: [text("fix 0")] },
        ],
      },
    },
  });
  t.after(() => scripted.close());
  const ask = async (messages: unknown[], session = "s1"): Promise<string> => {
    const response = await fetch(`${scripted.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-claude-code-session-id": session },
      body: JSON.stringify({ model: "m", stream: false, messages }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { id: string; content: { text: string }[] };
    return body.content[0]!.text;
  };
  return { scripted, ask };
}

test("a request is answered from the last user message that names a round, at the turn its assistant messages count", async (t) => {
  const { scripted, ask } = await provider(t);
  const task = user("Fix sum(). ROUND-TASK");
  const earlier = [task, assistant("reading"), toolResult("1 export function sum"), assistant("Fixed.")];
  const cases: [string, unknown[], string][] = [
    ["a fresh session's first request", [task], "task 0"],
    ["its second, after a tool result", [task, assistant("reading"), toolResult("ok")], "task 1"],
    ["past the round's turns: its own fallback", earlier, "task fallback"],
    [
      "the marker in a text block among others",
      [
        user([
          { type: "text", text: "<system-reminder>context</system-reminder>" },
          { type: "text", text: "ROUND-TASK, please" },
        ]),
      ],
      "task 0",
    ],
    ["a resumed session told to fix", [...earlier, user("The checks failed. ROUND-FIX")], "fix 0"],
    ["the same fix in a fresh session, told the task first", [user("The original task: ROUND-TASK\n\nNow: ROUND-FIX")], "fix 0"],
    ["a message naming both is in the round it names last", [user("After ROUND-FIX came: ROUND-TASK")], "task 0"],
    [
      "past the fix round's turns, without a fallback of its own: the script's",
      [...earlier, user("ROUND-FIX"), assistant("on it"), toolResult("ok")],
      "script fallback",
    ],
    ["a marker inside a tool result is no round", [task, assistant("reading"), toolResult("the log says ROUND-FIX")], "task 1"],
    [
      "later user text without a marker stays in the round",
      [task, assistant("Done."), user([{ type: "text", text: "You MUST call the StructuredOutput tool" }])],
      "task 1",
    ],
  ];
  for (const [name, messages, answer] of cases) assert.equal(await ask(messages), answer, name);
  const posts = scripted.requests.filter((request) => request.path === "/v1/messages");
  assert.deepEqual(
    posts.map((request) => [request.round, request.turn]),
    [
      ["ROUND-TASK", 0],
      ["ROUND-TASK", 1],
      ["ROUND-TASK", 2],
      ["ROUND-TASK", 0],
      ["ROUND-FIX", 0],
      ["ROUND-FIX", 0],
      ["ROUND-TASK", 0],
      ["ROUND-FIX", 1],
      ["ROUND-TASK", 1],
      ["ROUND-TASK", 1],
    ],
  );
});

test("requests that name no round keep today's cursor per session, untouched by round requests", async (t) => {
  const { ask } = await provider(t);
  assert.equal(await ask([user("hello")], "a"), "plain 0");
  assert.equal(await ask([user("ROUND-TASK")], "a"), "task 0");
  assert.equal(await ask([user("hello"), assistant("hi"), user("again")], "a"), "plain 1");
  assert.equal(await ask([user("hello")], "b"), "plain 0");
  assert.equal(await ask([user("hello")], "a"), "script fallback");
});

test("each request is stamped with its arrival, and every message and tool call id is new", async (t) => {
  const scripted = await startScriptedProvider({
    scripts: {
      "*": { turns: [], rounds: [{ when: "GO", turns: [{ content: [{ type: "tool_use", name: "Read", input: { file_path: "a" } }] }] }] },
    },
  });
  t.after(() => scripted.close());
  const before = Date.now();
  const ids: string[] = [];
  for (const session of ["s1", "s2"]) {
    const response = await fetch(`${scripted.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-claude-code-session-id": session },
      body: JSON.stringify({ model: "m", messages: [user("GO")] }),
    });
    const body = (await response.json()) as { id: string; content: { id: string }[] };
    ids.push(body.id, body.content[0]!.id);
  }
  assert.equal(new Set(ids).size, 4, ids.join(" "));
  await fetch(`${scripted.url}/v1/models`);
  const after = Date.now();
  assert.equal(scripted.requests.length, 3);
  for (const request of scripted.requests) assert.ok(request.at >= before && request.at <= after, `${request.path} at ${request.at}`);
});
