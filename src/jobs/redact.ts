// The provider key must never reach a record, log, event file or result: everything the runner
// writes passes through one redactor that knows the key.
export type Redact = (text: string) => string;

export function redactor(secret: string | undefined): Redact {
  if (!secret || secret.length < 8) return (text) => text;
  return (text) => (text.includes(secret) ? text.split(secret).join("[redacted]") : text);
}
