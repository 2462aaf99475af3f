// The shapes hosts send and get back. Descriptions are read by the host's model on every turn,
// so they are short.
import { z } from "zod";
import { UserError } from "../errors.js";
import { cancelReasons } from "../store/record.js";
import { excerpt } from "./result.js";

// Ids are at most 37 characters and labels are cut to 32; a longer value is a mistake, refused
// before any message could echo it.
export const jobId = z.string().max(64);

// A default the server applies is advertised as JSON Schema's `default`, not as words: shorter, and exact.
export const startInput = {
  cwd: z.string().describe("Absolute repository path"),
  task: z.string().describe("What to change, how to check it"),
  task_label: z.string().max(64).optional(),
  execution_tier: z.enum(["fast", "think", "auto"]).optional().meta({ default: "auto" }),
  base: z.string().optional().meta({ default: "HEAD" }),
  timeout_s: z.number().int().min(10).max(86_400).optional(),
};

/**
 * A tool's arguments, checked by us rather than by the SDK: the SDK answers a bad argument with
 * two lines behind a JSON-RPC prefix, and ignores names it does not know. So the SDK gets a schema
 * that accepts anything yet advertises the fields in tools/list, and `parse` (run inside
 * `guarded`) refuses strictly, with one line that names the field and the form it takes.
 */
/**
 * Drops the `$schema` line the SDK writes into every schema it lists: 52 bytes each, 18 times in
 * tools/list, and our schemas mean the same under MCP's default dialect (2020-12).
 */
const noDialect = { $schema: undefined };

export interface ToolInput<T> {
  schema: z.ZodObject<{}, z.core.$loose>;
  parse(args: Record<string, unknown>): T;
}

export function toolInput<S extends z.ZodRawShape>(shape: S): ToolInput<z.output<z.ZodObject<S, z.core.$strict>>> {
  const {
    $schema: _,
    additionalProperties: _refused,
    ...strict
  } = z.toJSONSchema(z.strictObject(shape), { target: "draft-7", io: "input" });
  const forms = new Map(Object.entries(strict.properties ?? {}).map(([key, field]) => [key, acceptedForm(field)]));
  // The host's model reads this on every turn, so it holds what a call needs and no more: `parse`
  // refuses an unknown name or an over-long string itself, in a line that names what the tool takes.
  const advertised = {
    ...strict,
    properties: Object.fromEntries(Object.entries(strict.properties ?? {}).map(([key, field]) => [key, lean(field)])),
  };
  const names = Object.keys(shape).join(", ");
  return {
    schema: z.looseObject({}).meta({ ...advertised, ...noDialect, additionalProperties: undefined }),
    parse(args) {
      const unknown = Object.keys(args).filter((key) => !Object.hasOwn(shape, key));
      if (unknown.length) {
        const more = unknown.length > 1 ? ` and ${unknown.length - 1} more` : "";
        throw new UserError("invalid_input", `unknown argument ${excerpt(unknown[0])}${more} (this tool takes ${names})`, {
          field: unknown[0],
        });
      }
      const values: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const value = args[key];
        // A NUL cannot reach git or the worker through argv or a C string; say so here, by name.
        if (typeof value === "string" && value.includes("\0")) {
          throw new UserError("invalid_input", `${key} must be a string without NUL bytes, got one at character ${value.indexOf("\0")}`, {
            field: key,
          });
        }
        const parsed = z.safeParse(field, value);
        if (!parsed.success)
          throw new UserError("invalid_input", `${key} must be ${forms.get(key)}, got ${excerpt(value)}`, { field: key });
        if (parsed.data !== undefined) values[key] = parsed.data;
      }
      return values as z.output<z.ZodObject<S, z.core.$strict>>;
    },
  };
}

/** A field as advertised: an enum says its type, and a length bound only ever refuses garbage. */
function lean(field: z.core.JSONSchema._JSONSchema): z.core.JSONSchema._JSONSchema {
  if (typeof field === "boolean") return field;
  const { type, maxLength: _, ...rest } = field;
  return field.enum ? rest : { type, ...rest };
}

/** What a field accepts, in words, from the field's strict JSON Schema. */
function acceptedForm(field: z.core.JSONSchema._JSONSchema): string {
  if (typeof field === "boolean") return field ? "any value" : "absent";
  if (field.enum) return `one of ${field.enum.join(", ")}`;
  switch (field.type) {
    case "integer":
      return `a whole number${range(field)}`;
    case "number":
      return `a number${range(field)}`;
    case "boolean":
      return "true or false";
    case "string":
      return field.maxLength === undefined ? "a string" : `a string of at most ${field.maxLength} characters`;
    default:
      return `JSON of type ${String(field.type)}`;
  }
}

function range(field: z.core.JSONSchema.JSONSchema): string {
  // zod bounds every int by the safe-integer range; that says nothing a host can use.
  const min = field.minimum !== undefined && field.minimum > Number.MIN_SAFE_INTEGER ? field.minimum : undefined;
  const max = field.maximum !== undefined && field.maximum < Number.MAX_SAFE_INTEGER ? field.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  return max === undefined ? "" : ` of at most ${max}`;
}

export const cancelReason = z.enum(cancelReasons);

/**
 * Every job view: start, liveness while running, the compact result once ended. The fields a
 * host branches on are typed; the rest (liveness, changes, worker, …) pass through, which keeps
 * five copies of this schema from dominating tools/list.
 */
export const jobViewSchema = orError(
  z.looseObject({
    job_id: z.string(),
    status: z.string(),
    next_poll_s: z.number().optional(),
    error: z.string().optional(),
    next: z.string().optional(),
  }),
);

export const listShape = orError(
  z.object({
    jobs: z.array(z.string()),
    more: z.number().optional(),
  }),
);

export const detailShape = orError(
  z.object({
    job_id: z.string(),
    what: z.string(),
    round: z.number().optional(),
    path: z.string().optional(),
    text: z.string(),
    bytes: z.number(),
    truncated_bytes: z.number().optional(),
  }),
);

/**
 * A tool's output as tools/list shows it: its own shape, or an error result's `{error: {code,
 * message, …}}`. The SDK's client checks error results against the output schema too
 * (typescript-sdk#1943), so the schema must allow them; the server checks successes alone, against
 * `shape` itself. A loose shape's `additionalProperties: {}` is JSON Schema's default, so it goes.
 */
function orError<T extends z.ZodObject>(shape: T): T {
  const { required = [], properties = {}, additionalProperties } = z.toJSONSchema(shape, { target: "draft-7", io: "output" });
  // A job view's own `error` is its failure line; `{}` (any) rather than string-or-object saves 27 bytes a tool.
  const error = properties.error ? {} : { type: "object" };
  return shape.meta({
    ...noDialect,
    properties: { ...properties, error },
    required: undefined,
    additionalProperties: additionalProperties === false ? false : undefined,
    anyOf: [{ required }, { required: ["error"] }],
  });
}
