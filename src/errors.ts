/** A failure the caller can fix; its message is one line saying what to change. */
export class UserError extends Error {
  override name = "UserError";
}
