import { readFileSync } from "node:fs";

/**
 * How `alarm-inspector vite` asks the Vite plugin for a session: the environment variable names a file (in the
 * project's `.wrangler/alarm-inspector/`, readable by the user only) that holds the session's token. Without it the
 * plugin does nothing, so `alarmInspector()` may stay in a Vite config for everyday `vite dev` and builds.
 */
export const SESSION_ENV = "ALARM_INSPECTOR_VITE_SESSION";

export interface ViteSessionRequest {
  /** Per-session secret the editor must present. */
  token: string;
  /** Capacity of the agent's event buffer. */
  bufferSize: number;
  /** Absolute path of the bundled agent (`dist/agent.mjs`), imported by the generated entry through Vite. */
  agentPath: string;
}

export function readSessionRequest(env: NodeJS.ProcessEnv = process.env): ViteSessionRequest | undefined {
  const path = env[SESSION_ENV];
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`alarm-inspector: ${SESSION_ENV} names ${path}, which cannot be read (${(e as Error).message})`);
  }
  const r = parsed as Partial<ViteSessionRequest>;
  if (typeof r.token !== "string" || typeof r.agentPath !== "string" || typeof r.bufferSize !== "number") {
    throw new Error(`alarm-inspector: ${path} is not a session request written by alarm-inspector vite`);
  }
  return { token: r.token, bufferSize: r.bufferSize, agentPath: r.agentPath };
}
