import * as vscode from "vscode";

/** The extension's settings, read fresh each time (they can change while it runs). */
export interface Settings {
  /** Extra arguments for `wrangler dev`, after the launcher's own. */
  launcherArgs: string[];
  /** Port for the Worker; null lets the launcher pick a free one from 8787. */
  port: number | null;
  /** Attach by itself when a session of this workspace is running. */
  autoAttach: boolean;
  /** Show the Alarms view when a session is attached by itself. */
  revealOnAttach: boolean;
  /** Events kept per object (the model's memory bound). */
  maxEventsPerObject: number;
  /** The Node.js that runs the launcher; empty means `node` from PATH. */
  nodePath: string;
}

export const SECTION = "alarmInspector";

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const args = c.get<unknown>("launcherArgs");
  const port = c.get<unknown>("port");
  const max = c.get<unknown>("maxEventsPerObject");
  return {
    launcherArgs: Array.isArray(args) ? args.filter((a): a is string => typeof a === "string") : [],
    port: typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65536 ? port : null,
    autoAttach: c.get<boolean>("autoAttach", true),
    revealOnAttach: c.get<boolean>("revealOnAttach", false),
    maxEventsPerObject: typeof max === "number" && max >= 10 ? Math.min(Math.floor(max), 100_000) : 500,
    nodePath: c.get<string>("nodePath", "").trim(),
  };
}
