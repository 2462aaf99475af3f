// A repository as a person reads it in a line: its root, with the home directory as ~.
import { homedir } from "node:os";
import { sep } from "node:path";

export function repoLabel(root: string): string {
  const home = homedir();
  return root === home || root.startsWith(home + sep) ? `~${root.slice(home.length)}` : root;
}
