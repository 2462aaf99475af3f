// The OS sandbox every process started for a job runs in (the worker, its setup and check
// commands): bubblewrap builds a fresh root with only the system's directories read-only, the
// paths the job names, and nothing else — no home directory, no other job, no code-worker state,
// no key file. Started as root, the command runs as an unprivileged uid with no capabilities,
// since a root inside bubblewrap could unmount what hides the rest.
import { randomInt } from "node:crypto";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";

export interface Confinement {
  cwd: string;
  /** Bound read-write at the same path. */
  writable: string[];
  /** Bound read-only at the same path, over whatever would be there. */
  readable: string[];
  /** An empty directory over each that lies inside a mounted tree. */
  hidden: string[];
  /** /dev/null over each file that lies inside a mounted tree (the key file under /etc, say). */
  masked?: string[];
  /** Bound at /tmp: fresh and private to this command. */
  tmp: string;
  /** Single files or sockets bound read-only at another path inside (the relay's socket). */
  files?: { source: string; dest: string }[];
  network: "none" | "host";
  /** The uid and gid to run as when the runner is root; undefined keeps the caller's own. */
  uid?: number;
}

/** System directories every command needs read-only; on merged-/usr systems several are links. */
export const systemDirs = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix"];

type Mount = { op: "--ro-bind" | "--bind" | "--tmpfs" | "--symlink" | "--dir"; path: string; source?: string };

/** The bwrap (and, for root, setpriv) command line that runs command confined as described. */
export function confinedArgv(spec: Confinement, command: string[], path = process.env.PATH ?? ""): string[] {
  const readOnly: Mount[] = [
    ...systemMounts(),
    ...toolDirs(path).map((dir): Mount => ({ op: "--ro-bind", path: dir })),
    ...spec.readable.filter((dir) => existsSync(dir)).map((dir): Mount => ({ op: "--ro-bind", path: dir })),
  ];
  const writable = spec.writable.map((dir): Mount => ({ op: "--bind", path: dir }));
  // Hiding what no mount shows would only make empty mount points; at one path, later goes on top.
  const visible = (target: string) =>
    [...readOnly, ...writable].some((mount) => mount.op !== "--symlink" && within(normalize(target), normalize(mount.path)));
  const mounts: Mount[] = [
    ...readOnly,
    ...spec.hidden.filter(visible).map((dir): Mount => ({ op: "--tmpfs", path: dir })),
    ...writable,
    ...(spec.masked ?? [])
      .filter((file) => visible(file) && existsSync(file))
      .map((file): Mount => ({ op: "--ro-bind", path: file, source: "/dev/null" })),
    ...(spec.files ?? []).map((file): Mount => ({ op: "--ro-bind", path: file.dest, source: file.source })),
  ].map((mount) => ({ ...mount, path: normalize(mount.path) }));
  const all = [...mounts, ...mountPoints(mounts)];
  // Deeper mounts go on top of shallower ones; at one path, the order above wins (later on top).
  const ordered = all
    .map((mount, order) => ({ mount, order }))
    .sort((a, b) => depth(a.mount.path) - depth(b.mount.path) || a.order - b.order)
    .map(({ mount }) => mount);
  return [
    "bwrap",
    ...(spec.uid === undefined
      ? ["--unshare-all"]
      : ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]),
    ...(spec.network === "host" ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--bind",
    spec.tmp,
    "/tmp",
    ...ordered.flatMap(mountArgs),
    "--chdir",
    spec.cwd,
    "--",
    ...(spec.uid === undefined ? [] : dropRoot(spec.uid)),
    ...command,
  ];
}

function mountArgs(mount: Mount): string[] {
  switch (mount.op) {
    case "--symlink":
      return [mount.op, mount.source!, mount.path];
    case "--tmpfs":
      return [mount.op, mount.path];
    case "--dir":
      return ["--perms", "0755", mount.op, mount.path];
    default:
      return [mount.op, mount.source ?? mount.path, mount.path];
  }
}

/** setpriv to an unprivileged uid: no groups, no capabilities in any set, and none to regain. */
export function dropRoot(uid: number): string[] {
  return [
    "setpriv",
    `--reuid=${uid}`,
    `--regid=${uid}`,
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    "--",
  ];
}

function systemMounts(): Mount[] {
  return systemDirs.flatMap((dir): Mount[] => {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isSymbolicLink()) return [{ op: "--symlink", path: dir, source: readlinkSync(dir) }];
    return stat.isDirectory() ? [{ op: "--ro-bind", path: dir }] : [];
  });
}

/**
 * PATH entries outside the system directories (a node under /usr/local is inside; one under
 * ~/.nvm is not), each exactly: never a parent, which for ~/bin would be the whole home directory.
 */
function toolDirs(path: string): string[] {
  return [
    ...new Set(path.split(":").filter((dir) => isAbsolute(dir) && existsSync(dir) && !systemDirs.some((system) => within(dir, system)))),
  ];
}

/**
 * Directories bubblewrap must create for the mounts: each ancestor that no mount of the real
 * directory already provides. bwrap run as root makes them 0700, which the unprivileged uid could
 * not cross, so they are made explicitly with 0755.
 */
function mountPoints(mounts: Mount[]): Mount[] {
  const mounted = new Set(mounts.map((mount) => mount.path));
  const needed = new Set<string>();
  for (const mount of mounts) {
    for (
      let dir = dirname(mount.path);
      dir !== dirname(dir) && !mounted.has(dir) && !["/tmp", "/dev", "/proc"].includes(dir);
      dir = dirname(dir)
    ) {
      const host = deepest(mounts, dir);
      if (host && (host.op === "--ro-bind" || host.op === "--bind")) break; // the real directory is there
      needed.add(dir);
    }
  }
  return [...needed].map((dir) => ({ op: "--dir", path: dir }));
}

function deepest(mounts: Mount[], path: string): Mount | undefined {
  return mounts.filter((mount) => within(path, mount.path) && mount.path !== path).sort((a, b) => depth(b.path) - depth(a.path))[0];
}

export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}

/** A fresh per-job uid for a root runner: far above any real account's, so it owns nothing else. */
export function jobUid(): number {
  return 0x7f000000 + randomInt(0x1000000);
}

export const relayPortInside = 7373;
export const relaySocketInside = join("/run", "code-worker", "relay.sock");
