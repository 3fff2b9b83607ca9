import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SessionInfo } from "../../launcher/session";

/** The launcher's ready object, as written to `session.json` (the launcher's own type, less its `event` tag). */
export type LauncherSession = Omit<SessionInfo, "event">;

/** Where the launcher writes its session file, relative to the project folder. */
export const SESSION_RELATIVE = join(".wrangler", "alarm-inspector", "session.json");

/** Parses and checks a ready line or session file; returns a sentence saying what is wrong otherwise. */
export function parseSession(text: string): { ok: true; session: LauncherSession } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: "it is not JSON" };
  }
  if (!v || typeof v !== "object") return { ok: false, reason: "it is not a JSON object" };
  const s = v as Record<string, unknown>;
  for (const key of ["url", "inspector", "token"] as const) {
    if (typeof s[key] !== "string" || s[key] === "") return { ok: false, reason: `"${key}" is missing` };
  }
  if (!/^wss?:\/\//.test(s.inspector as string)) return { ok: false, reason: `"inspector" is not a ws:// URL` };
  return {
    ok: true,
    session: {
      url: s.url as string,
      inspector: s.inspector as string,
      token: s.token as string,
      worker: typeof s.worker === "string" ? s.worker : "worker",
      config: typeof s.config === "string" ? s.config : "",
      pid: typeof s.pid === "number" ? s.pid : 0,
      startedAt: typeof s.startedAt === "number" ? s.startedAt : 0,
      runtime: s.runtime === "partykit" || s.runtime === "vite" ? s.runtime : "wrangler",
      ...(typeof s.pgid === "number" ? { pgid: s.pgid } : {}),
      ...(typeof s.debugPort === "number" && Number.isInteger(s.debugPort) && s.debugPort > 0 && s.debugPort < 65536 ? { debugPort: s.debugPort } : {}),
    },
  };
}

/** Reads a session file; undefined when it does not exist or its launcher is gone (a stale file after a crash). */
export async function readSessionFile(path: string): Promise<LauncherSession | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  const parsed = parseSession(text);
  if (!parsed.ok) return undefined;
  // The runtime's group outlives its launcher for a moment (or, with a launcher from before the lifeline, for good).
  const { pid, pgid } = parsed.session;
  if (pid > 0 && !processAlive(pid) && !(pgid !== undefined && pgid > 1 && processAlive(-pgid))) return undefined;
  return parsed.session;
}

/** True while process `pid` lives, or (negative `pid`) any process of group `-pid`. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else, which still means alive.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
