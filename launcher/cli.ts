import { dirname, resolve } from "node:path";
import { startDev } from "./devSession";
import { EXIT_ALREADY_RUNNING, LauncherError } from "./errors";
import { LIFELINE_COMMAND, runLifeline, watchParent } from "./lifeline";
import { startPartykit } from "./partykitSession";
import { stopSession } from "./stopSession";
import { startVite } from "./vite/viteSession";

const USAGE = `usage: alarm-inspector dev      [--cwd DIR] [--config FILE] [--port N] [--buffer N] [-- …extra wrangler dev args]
       alarm-inspector partykit [--cwd DIR] [--config FILE] [--port N] [--buffer N] [-- …extra partykit dev args]
       alarm-inspector vite     [--cwd DIR] [--config FILE] [--port N] [--buffer N] [-- …extra vite dev args]
       alarm-inspector stop     [--cwd DIR]

dev:      runs your Worker under \`wrangler dev\` with every Durable Object (partyserver rooms included)
          instrumented for the Alarm Inspector.
partykit: runs a classic PartyKit project (partykit.json) under \`partykit dev\` with every party instrumented.
vite:     runs your project's own \`vite dev\` (with @cloudflare/vite-plugin) with every Durable Object of the entry
          Worker instrumented; --config names your Vite config (default: vite.config.* in --cwd).
stop:     stops the session running for the project in DIR (started from another terminal or editor window).
Your code is not changed. Prints one JSON line to stdout when ready ({"event":"ready","url",…,"inspector",…,"token",…})
and writes the same object to .wrangler/alarm-inspector/session.json. The runtime's own output goes to stderr.
Ctrl-C stops everything, and so does the end of the terminal or editor that started it. One session runs per
project: a second start is refused (exit code ${EXIT_ALREADY_RUNNING}) with the first one's address.`;

/** The runtime each command runs, for messages. */
const RUNTIMES: Record<string, string> = { dev: "wrangler", partykit: "partykit", vite: "vite" };

interface ParsedArgs {
  command: string;
  cwd: string;
  config?: string;
  port?: number;
  bufferSize: number;
  extra: string[];
}

function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") throw new LauncherError("usage", USAGE, undefined, command ? 0 : 2);
  const out: ParsedArgs = { command, cwd: process.cwd(), bufferSize: 10_000, extra: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new LauncherError("usage", `${arg} needs a value\n${USAGE}`, undefined, 2);
      return v;
    };
    const number = (name: string, min: number, max: number) => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new LauncherError("usage", `${name} must be a whole number from ${min} to ${max}, got "${v}"`, undefined, 2);
      return n;
    };
    switch (arg) {
      case "--":
        out.extra = rest.slice(i + 1);
        return out;
      case "--cwd":
        out.cwd = resolve(value());
        break;
      case "--config":
        out.config = value();
        break;
      case "--port":
        out.port = number("--port", 1, 65535);
        break;
      case "--buffer":
        out.bufferSize = number("--buffer", 100, 1_000_000);
        break;
      case "--help":
      case "-h":
        throw new LauncherError("usage", USAGE, undefined, 0);
      default:
        throw new LauncherError("usage", `unknown option ${arg}\n${USAGE}`, undefined, 2);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "stop") {
    process.stdout.write(`${await stopSession(args.cwd)}\n`);
    return;
  }
  const runtime = RUNTIMES[args.command];
  if (!runtime) throw new LauncherError("usage", `unknown command "${args.command}"\n${USAGE}`, undefined, 2);
  // dist/cli.js → the package root holds dist/agent.mjs and, in development, node_modules.
  const packageDir = resolve(dirname(__filename), "..");
  const start = args.command === "partykit" ? startPartykit : args.command === "vite" ? startVite : startDev;
  const session = await start({
    cwd: args.cwd,
    config: args.config,
    port: args.port,
    extraArgs: args.extra,
    bufferSize: args.bufferSize,
    packageDir,
    log: (chunk) => process.stderr.write(chunk),
  });
  process.stdout.write(`${JSON.stringify(session.info)}\n`);
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`alarm-inspector: ${why}, stopping ${runtime}…\n`);
    void session.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
  // The editor or terminal that started the launcher may die without a signal reaching it (an extension host that
  // crashed or was killed): the launcher then stops its runtime as if told to.
  watchParent(() => shutdown("the process that started alarm-inspector is gone"));
  const code = await session.exited;
  if (!stopping) {
    process.stderr.write(`alarm-inspector: ${runtime} exited with code ${code}\n`);
    process.exit(code === 0 ? 0 : 1);
  }
}

// Whoever reads the launcher's output may be gone (a killed editor): a write there must not end the launcher before
// it has stopped its runtime.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);

if (process.argv[2] === LIFELINE_COMMAND) runLifeline(process.argv.slice(3));
else main().catch((e: unknown) => {
  if (e instanceof LauncherError) {
    const stream = e.exitCode === 0 ? process.stdout : process.stderr;
    stream.write(e.code === "usage" ? `${e.message}\n` : `alarm-inspector: ${e.message}\n`);
    // The runtime's output (which `detail` repeats the end of) has already been streamed to stderr as it came.
    process.exit(e.exitCode);
  }
  process.stderr.write(`alarm-inspector: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
