import { readFileSync } from "node:fs";

/**
 * Calls `onGone` once the process that started the launcher (the editor's extension host, a shell, a terminal) has
 * died, whatever killed it. Node's `process.ppid` is read once at start-up, so the parent is polled: on Linux from
 * /proc/self/stat, whose parent changes the moment the parent dies (exact); elsewhere (macOS) by probing the first
 * parent's pid, which is then given to no one for a long while (pids are handed out in increasing order).
 * A launcher whose parent is already init (started by a service manager, or with `setsid`) is not watched.
 */
export function watchParent(onGone: () => void, intervalMs = 1000): () => void {
  const first = process.ppid;
  if (first <= 1) return () => undefined;
  const timer = setInterval(() => {
    if (parentAlive(first)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function parentAlive(first: number): boolean {
  if (process.platform === "linux") {
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync("/proc/self/stat", "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return ppid === first;
    } catch {
      // no /proc: fall through to the probe
    }
  }
  try {
    process.kill(first, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
