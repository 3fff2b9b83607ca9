import type { WranglerConfig } from "./wranglerConfig";

/**
 * The environment a `wrangler dev` run selects, and what it changes: wrangler takes `--env NAME` (or `-e NAME`, or
 * `CLOUDFLARE_ENV`), runs the Worker under that environment's name (its own `name`, else `<name>-<env>`), and binds
 * only the Durable Objects that environment declares (bindings are not inherited from the top level).
 */

/** The environment named by wrangler's arguments, else by `CLOUDFLARE_ENV`; undefined for the top level. */
export function selectedEnv(args: readonly string[], environment: NodeJS.ProcessEnv = process.env): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === "--env" || arg === "-e") return nonEmpty(args[i + 1]);
    const inline = /^(?:--env|-e)=(.*)$/.exec(arg);
    if (inline) return nonEmpty(inline[1]);
  }
  return nonEmpty(environment.CLOUDFLARE_ENV);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** The section of the config an environment runs (the top level when none is selected or it is not declared). */
export function envSection(config: WranglerConfig, env: string | undefined): WranglerConfig {
  if (env === undefined) return config;
  const envs = config.env;
  const section = envs && typeof envs === "object" ? (envs as Record<string, unknown>)[env] : undefined;
  return section && typeof section === "object" ? (section as WranglerConfig) : config;
}

/** The Worker's name as wrangler runs it in `env`: the environment's own `name`, else `<name>-<env>`. */
export function workerNameIn(config: WranglerConfig, fallback: string, env: string | undefined): string {
  const top = typeof config.name === "string" ? config.name : fallback;
  if (env === undefined) return top;
  const own = envSection(config, env).name;
  return typeof own === "string" && own !== "" && envSection(config, env) !== config ? own : `${top}-${env}`;
}
