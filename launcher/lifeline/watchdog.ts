import { spawn } from "node:child_process";
import { constants } from "node:os";

/**
 * The lifeline: the leader of a runtime's process group, between the launcher and the runtime.
 *
 *   launcher ──pipe (its stdin)──▶ lifeline (group leader) ──▶ wrangler / partykit ──▶ workerd   (one group)
 *
 * Why a process of its own. A runtime runs in its own group so that stopping it stops workerd too, but nothing makes
 * a group die with the process that started it: a launcher killed with SIGKILL (an out-of-memory kill, a crashed
 * editor, `kill -9`) runs no code at all. Linux's PR_SET_PDEATHSIG is not reachable from Node and does not exist on
 * macOS; polling the parent's pid is slow and fooled by pid reuse. A pipe is exact on both: the kernel closes every
 * descriptor of a process that dies, however it dies, so the lifeline's stdin, whose only writer is the launcher,
 * reads end-of-file at once. Then the lifeline stops its own group: SIGTERM (wrangler stops workerd cleanly), and
 * SIGKILL to whatever is left after a grace period, itself included. Being a tiny Node program of its own, it works
 * even while the runtime's own event loop is busy, and for any runtime (wrangler, partykit, vite).
 *
 * The runtime writes straight to the lifeline's stdout and stderr (the launcher's pipes); the lifeline exits with
 * the runtime's exit code (128 + the signal's number when a signal ended it).
 */

/** Time the runtime gets to stop after SIGTERM before the group is killed. */
const GRACE_MS = 4000;

export function runLifeline(argv: string[]): void {
  const [command, ...args] = argv;
  if (!command) {
    process.stderr.write("alarm-inspector: the lifeline needs a command to run\n");
    process.exit(2);
  }
  const group = process.pid;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-group, signal);
    } catch {
      // already gone
    }
  };

  let orphaned = false;
  const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
  child.once("error", (e) => {
    process.stderr.write(`alarm-inspector: could not run ${command}: ${e.message}\n`);
    process.exit(127);
  });
  child.once("exit", (code, signal) => {
    // An orphan sweeps its group (workerd may outlive wrangler for a moment); otherwise the launcher does.
    if (orphaned) killGroup("SIGKILL");
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
  });

  let graceTimer: NodeJS.Timeout | undefined;
  const killAfterGrace = () => {
    graceTimer ??= setTimeout(() => killGroup("SIGKILL"), GRACE_MS);
  };
  // A stop signal reaches the whole group (the launcher signals the group): the runtime stops by itself, and the
  // lifeline stays to report its exit code. A signal sent to the lifeline alone still ends the group, after the grace.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, killAfterGrace);

  const launcherGone = () => {
    if (orphaned) return;
    orphaned = true;
    killGroup("SIGTERM");
    killAfterGrace();
  };
  process.stdin.on("end", launcherGone);
  process.stdin.on("close", launcherGone);
  process.stdin.on("error", launcherGone);
  process.stdin.resume();
  // The launcher's pipes are gone with it: a write there must not end the lifeline before it has stopped the group.
  process.stdout.on("error", () => undefined);
  process.stderr.on("error", () => undefined);
}
