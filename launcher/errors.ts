/**
 * An error the user can act on. The launcher prints `message` as one line (plus an optional detail block, such as
 * wrangler's own build error) and exits with `exitCode`. Every code is listed in the README's troubleshooting.
 */
export class LauncherError extends Error {
  constructor(
    readonly code: LauncherErrorCode,
    message: string,
    readonly detail?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "LauncherError";
  }
}

/**
 * The exit code of a launcher that refused to start because a runtime already runs over the project's state: the
 * editor offers to attach to it or stop it.
 */
export const EXIT_ALREADY_RUNNING = 3;

export type LauncherErrorCode =
  | "usage"
  | "no-config"
  | "bad-config"
  | "no-durable-objects"
  | "unsupported-config"
  | "no-wrangler"
  | "no-partykit"
  | "no-vite"
  | "no-vite-plugin"
  | "unsupported-vite-plugin"
  | "node-too-old"
  | "port-in-use"
  | "already-running"
  | "build-failed"
  | "wrangler-exited"
  | "not-ready";
