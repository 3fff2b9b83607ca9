import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PARTYKIT_HEALTH_PATH } from "../protocol/protocol";
import type { DevOptions, RunningSession } from "./devSession";
import { hasFlag } from "./devSession";
import { generatedDir } from "./generate";
import { findPartykitConfig, loadPartykitConfig, partykitProjectName } from "./partykitConfig";
import { writePartykitGenerated } from "./partykitGenerate";
import { choosePort } from "./ports";
import { exitOf, explainStartFailure, OutputWatcher, stopGroup, waitReady } from "./processGroup";
import { refuseSecondSession, removeSession, sessionInfo, writeSession } from "./session";
import { findNode, findPartykit } from "./toolchain";

/** `partykit dev`'s own default port. */
const PARTYKIT_DEFAULT_PORT = 1999;

/**
 * Runs a classic PartyKit project under `partykit dev` with the agent injected (see partykitGenerate), and resolves
 * once the hub answers. The ready line and `session.json` are the same as under wrangler, and the session file is
 * where every client already looks: `.wrangler/alarm-inspector/session.json` in the project.
 */
export async function startPartykit(opts: DevOptions): Promise<RunningSession> {
  const configPath = findPartykitConfig(opts.cwd, opts.config);
  const loaded = loadPartykitConfig(configPath);
  const sessionDir = generatedDir(loaded.dir);
  refuseSecondSession(sessionDir);
  const node = findNode(loaded.dir, opts.packageDir);
  const partykit = findPartykit(loaded.dir, opts.packageDir);
  const port = await choosePort(opts.port, PARTYKIT_DEFAULT_PORT);
  const token = randomBytes(24).toString("base64url");
  const worker = partykitProjectName(loaded);
  const generated = writePartykitGenerated({
    loaded,
    worker,
    token,
    agentPath: join(opts.packageDir, "dist", "agent.mjs"),
    bufferSize: opts.bufferSize,
  });

  const args = [partykit, "dev", "--config", generated.configPath, "--port", String(port)];
  // The generated config sits in .partykit/alarm-inspector/, and PartyKit keeps state beside its config: keep it
  // where plain `partykit dev` keeps it, so rooms have the storage they had.
  if (!hasFlag(opts.extraArgs, "--persist")) args.push("--persist", resolve(loaded.dir, ".partykit", "state"));
  if (!hasFlag(opts.extraArgs, "--no-hotkeys")) args.push("--no-hotkeys");
  args.push(...opts.extraArgs);

  const child = spawn(node, args, {
    // PartyKit resolves .env, assets and the build's paths from the folder it runs in: the project's, as usual.
    cwd: loaded.dir,
    detached: true, // its own process group, so stopping it stops workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
  });
  const output = new OutputWatcher(loaded.dir, loaded.dir);
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    opts.log(text);
    output.take(text);
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const exited = exitOf(child);

  const stop = () => stopGroup(child, exited);
  const info = sessionInfo(port, token, worker, configPath, "partykit");
  try {
    await waitReady(`${info.url}${PARTYKIT_HEALTH_PATH}`, exited, () => output.buildError(), "partykit");
  } catch (e) {
    await stop();
    explainStartFailure(e, output);
  }
  output.ready = true;
  mkdirSync(sessionDir, { recursive: true });
  // A PartyKit project's .gitignore rarely lists .wrangler/: the session file holds the token.
  writeFileSync(join(sessionDir, ".gitignore"), "*\n");
  writeSession(sessionDir, info);
  void exited.then(() => removeSession(sessionDir));
  return {
    info,
    exited,
    stop: async () => {
      const code = await stop();
      removeSession(sessionDir);
      return code;
    },
  };
}
