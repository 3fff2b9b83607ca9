import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PARTYKIT_HEALTH_PATH } from "../protocol/protocol";
import type { DevOptions, RunningSession } from "./devSession";
import { flagValue, hasFlag } from "./devSession";
import { generatedDir } from "./generate";
import { findPartykitConfig, loadPartykitConfig, partykitProjectName } from "./partykitConfig";
import { writePartykitGenerated } from "./partykitGenerate";
import { choosePort } from "./ports";
import { privateDir } from "./privateDir";
import { superviseStart } from "./processGroup";
import { refuseSecondSession, sessionInfo } from "./session";
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
  const stateDir = resolve(loaded.dir, flagValue(opts.extraArgs, "--persist") ?? join(".partykit", "state"));
  refuseSecondSession(sessionDir, stateDir);
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
  if (!hasFlag(opts.extraArgs, "--persist")) args.push("--persist", stateDir);
  if (!hasFlag(opts.extraArgs, "--no-hotkeys")) args.push("--no-hotkeys");
  args.push(...opts.extraArgs);

  privateDir(sessionDir);
  // A PartyKit project's .gitignore rarely lists .wrangler/: the session file holds the token.
  writeFileSync(join(sessionDir, ".gitignore"), "*\n");
  const info = sessionInfo(port, token, worker, configPath, "partykit");
  return superviseStart({
    node,
    args,
    // PartyKit resolves .env, assets and the build's paths from the folder it runs in: the project's, as usual.
    cwd: loaded.dir,
    // workerd warns when PWD (inherited from the launcher's shell) is not the folder it runs in.
    env: { ...process.env, PWD: loaded.dir, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    buildDir: loaded.dir,
    runtimeName: "partykit",
    healthUrl: `${info.url}${PARTYKIT_HEALTH_PATH}`,
    info,
    sessionDir,
    stateDir,
    log: opts.log,
  });
}
