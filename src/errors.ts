/**
 * What kind of failure, for a host to branch on; the message says the rest to a person.
 * - invalid_input: an argument, flag, option or value the caller sent is wrong
 * - not_found: no such job, round, check, branch, commit or file
 * - moved: the job's repository is no longer where it was
 * - invalid_state: the job (or the host's checkout) is not in a state that allows this
 * - needs_review: the policy wants a person to look before apply
 * - rejected: the policy rejected the job, or its change is not served
 * - conflict: the job's change conflicts with the host's HEAD
 * - host_dirty: the host's own changes or unfinished git operation are in the way
 * - busy: something else changed or holds the host meanwhile; try again
 * - configuration: an environment variable or repository setting is wrong or missing
 * - prerequisite: a program, the sandbox or a setup step the job needs is missing or failed
 * - policy_invalid: the policy files do not load
 */
export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "moved"
  | "invalid_state"
  | "needs_review"
  | "rejected"
  | "conflict"
  | "host_dirty"
  | "busy"
  | "configuration"
  | "prerequisite"
  | "policy_invalid";

/** The values a message was built from (paths, ids, states, names), so a host need not parse prose. */
export type ErrorData = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** A failure the caller can fix; its message is one line saying what to change. */
export class UserError extends Error {
  override name = "UserError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: ErrorData = {},
  ) {
    super(message);
  }
}

/** An error as JSON shows it: `internal` for anything that is not a UserError. */
export interface ErrorJson {
  code: ErrorCode | "internal";
  message: string;
  [key: string]: unknown;
}

const shownItems = 10;
const shownChars = 200;

/**
 * The error's code, message and data, capped so that no error can flood a host's context: a list
 * keeps its first 10 entries and says how many more in `<key>_more`, a string its first 200 characters.
 */
export function errorJson(code: ErrorJson["code"], message: string, data: ErrorData = {}): ErrorJson {
  const json: ErrorJson = { code, message };
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || key === "code" || key === "message") continue;
    if (typeof value === "string") json[key] = cut(value);
    else if (Array.isArray(value)) {
      json[key] = value.slice(0, shownItems).map(cut);
      if (value.length > shownItems) json[`${key}_more`] = value.length - shownItems;
    } else json[key] = value;
  }
  return json;
}

function cut(text: string): string {
  const chars = Array.from(text);
  return chars.length > shownChars ? `${chars.slice(0, shownChars).join("")}…` : text;
}
