/**
 * The processes of a process group, read from /proc (Linux): how the runtime tier finds wrangler and workerd from the
 * group id the launcher records, never by program name (other engineers run the same programs on this machine).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface GroupMember {
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

/** Every live process whose process group is `pgid` (zombies excluded: they hold no resources and no port). */
export function groupMembers(pgid: number): GroupMember[] {
  const out: GroupMember[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) !== pgid || state === "Z") continue;
      out.push({ pid: Number(name), command: readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim() });
    } catch {
      // exited while we read
    }
  }
  return out;
}

/** Last resort in a test's `finally`: SIGKILL to a group by its id. */
export function killGroup(pgid: number | undefined): void {
  if (pgid === undefined || pgid <= 1) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}
