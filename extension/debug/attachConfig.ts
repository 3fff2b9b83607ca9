/**
 * The debug configuration the extension gives VS Code's own JavaScript debugger (js-debug, built into VS Code and
 * code-server) to attach to workerd through wrangler's inspector port. It follows what Cloudflare documents for
 * attaching VS Code to `wrangler dev`: a `node` attach on the port, with source maps resolved wherever they are
 * (wrangler writes the bundle and its map under `.wrangler/tmp`, and the map leads to the user's `.ts`) and no child
 * processes (workerd has none to attach to). Pure: no `vscode`.
 */

/** The name the extension's own debug sessions carry, so it can tell them from the user's. */
export const ATTACH_NAME = "Alarm Inspector: workerd";

export interface AttachConfiguration {
  readonly type: "node";
  readonly request: "attach";
  readonly name: string;
  readonly port: number;
  readonly address: string;
  readonly cwd: string;
  readonly sourceMaps: true;
  readonly resolveSourceMapLocations: null;
  readonly attachExistingChildren: false;
  readonly autoAttachChildProcesses: false;
  readonly skipFiles: readonly string[];
  /** Any other key is accepted by VS Code's DebugConfiguration. */
  readonly [key: string]: unknown;
}

export function attachConfiguration(port: number, projectDir: string): AttachConfiguration {
  return {
    type: "node",
    request: "attach",
    name: ATTACH_NAME,
    port,
    address: "127.0.0.1",
    cwd: projectDir,
    sourceMaps: true,
    resolveSourceMapLocations: null,
    attachExistingChildren: false,
    autoAttachChildProcesses: false,
    skipFiles: ["<node_internals>/**"],
  };
}
