/**
 * The two Workers a soak drives with the same seed: plain `wrangler dev`, and `alarm-inspector dev`. Each runs on a
 * copy of the fixture (hot reloads edit the copy's source) with its own state folder, and can be reloaded and
 * restarted on that state.
 */
import { appendFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import type { SessionInfo } from "../../launcher/session";
import { cleanup, FIXTURES, launchOnFreePorts, plainWrangler, tempDir } from "../runtime/helpers";

export const FIXTURE = join(FIXTURES, "soak");

/** One restart of a target: when its stop began (epoch ms), how long the stop and the start took (ms). */
export interface RestartTime {
  from: number;
  stopMs: number;
  startMs: number;
}

export interface Target {
  readonly label: "plain" | "inspected";
  /** The Worker's origin now (it changes with a restart). */
  url(): string;
  /** The launcher's ready line, for the inspected target; undefined while it restarts. */
  session(): SessionInfo | undefined;
  /** Edits the Worker's source, so wrangler rebuilds and reloads it. */
  reload(note: string): void;
  /** Stops the Worker and starts it again on the same state; resolves with how long each half took (ms). */
  restart(): Promise<RestartTime>;
  /** Stops the Worker and removes its copy and state. */
  dispose(): Promise<void>;
}

interface Running {
  url: string;
  info?: SessionInfo;
  stop(): Promise<unknown>;
}

export async function startTarget(label: Target["label"]): Promise<Target> {
  const dir = tempDir(`soak-${label}`);
  const state = tempDir(`soak-${label}-state`);
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(".wrangler") });
  const start = async (): Promise<Running> => {
    if (label === "plain") return plainWrangler(dir, state);
    const s = await launchOnFreePorts(dir, state);
    return { url: s.url, info: s.info, stop: () => s.stop() };
  };
  let running: Running | undefined = await start();
  return {
    label,
    url: () => running?.url ?? "http://127.0.0.1:9",
    session: () => running?.info,
    reload: (note) => appendFileSync(join(dir, "src", "index.ts"), `\n// soak: ${note}\n`),
    async restart() {
      const old = running;
      running = undefined;
      const t0 = Date.now();
      await old?.stop();
      const t1 = Date.now();
      running = await start();
      return { from: t0, stopMs: t1 - t0, startMs: Date.now() - t1 };
    },
    async dispose() {
      const old = running;
      running = undefined;
      try {
        await old?.stop();
      } finally {
        cleanup(dir);
        cleanup(state);
      }
    },
  };
}
