/**
 * Nothing left behind: a runtime the launcher starts stops when the launcher dies, however it dies (the lifeline,
 * watchdog.ts), and the launcher stops when whoever started it dies (parentWatch.ts).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { LIFELINE_COMMAND } from "./groups";

export { groupExists, isRuntimeGroup, LIFELINE_COMMAND, pidAlive, signalGroup, waitGroupGone } from "./groups";
export { watchParent } from "./parentWatch";
export { runLifeline } from "./watchdog";

export interface GuardedSpawn {
  /** The launcher's own script, which runs the lifeline with its hidden command. */
  script: string;
  /** The runtime: a Node executable and its arguments (the CLI script first). */
  node: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts the runtime under a lifeline, in a new process group whose id is the returned child's pid. The child's
 * stdin is the lifeline's pipe: the launcher never writes to it and must not close it while the runtime should run.
 * stdout and stderr are the runtime's own output.
 */
export function spawnGuarded(s: GuardedSpawn): ChildProcess {
  return spawn(s.node, [s.script, LIFELINE_COMMAND, s.node, ...s.args], {
    cwd: s.cwd,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: s.env,
  });
}
