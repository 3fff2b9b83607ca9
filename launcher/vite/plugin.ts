/**
 * The Alarm Inspector for `vite dev` with `@cloudflare/vite-plugin` (built to `dist/vite.mjs` / `dist/vite.cjs`):
 *
 *   import { cloudflare } from "@cloudflare/vite-plugin";
 *   import { alarmInspector, withAlarmInspector } from "do-alarm-inspector/vite";
 *   export default defineConfig({ plugins: [alarmInspector(), cloudflare(withAlarmInspector({ ...yourOptions }))] });
 *
 * Both are no-ops unless `alarm-inspector vite` started the server (see `request.ts`); that command adds them by
 * itself, so most users never write them.
 *
 * How it works: `withAlarmInspector` adds a config customiser that binds the hub Durable Object (and its migration)
 * in the entry Worker and notes the Worker's Durable Object classes. `alarmInspector()` runs before the Cloudflare
 * plugin and answers its `virtual:cloudflare/user-entry` with a module that re-exports the user's `main` with each
 * Durable Object class instrumented, the hub class added and the default export wrapped. The plugin's own
 * wrappers then forward to those classes as they would to the user's.
 */
import { isAbsolute, resolve } from "node:path";
import type { Plugin } from "vite";
import { ROUTE_PREFIX } from "../../protocol/protocol";
import type { ClassInfo } from "../../protocol/protocol";
import { HUB_BINDING, HUB_CLASS, HUB_MIGRATION_TAG } from "../generate";
import { durableObjectClasses } from "../wranglerConfig";
import { readSessionRequest } from "./request";
import type { ViteSessionRequest } from "./request";

export { SESSION_ENV } from "./request";

/** The Cloudflare plugin's name for the Worker's `main`; a plugin before it may answer for it. */
export const USER_ENTRY = "virtual:cloudflare/user-entry";
const ENTRY_ID = "\0virtual:alarm-inspector/entry";
export const PLUGIN_NAME = "alarm-inspector";
/** The Cloudflare plugin's main plugin object. */
const CLOUDFLARE_PLUGIN = "vite-plugin-cloudflare";
/** Errors the launcher finds in Vite's output start with this. */
export const PREFIX = "alarm-inspector:";

/** What the customiser learnt about the entry Worker, for the entry module. */
interface EntryWorker {
  name: string;
  /** Absolute path of the Worker's `main`. */
  main: string;
  classes: ClassInfo[];
}

/**
 * Shared between `withAlarmInspector` and `alarmInspector()` through `globalThis`: the launcher's generated config and
 * the user's own config may load this module from two places (bundled into one, imported by the other).
 */
interface Shared {
  entry?: EntryWorker;
  warned: Set<string>;
}
const SHARED = Symbol.for("alarm-inspector.vite");
function shared(): Shared {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  return (holder[SHARED] ??= { warned: new Set() });
}

/** A Worker config as the Cloudflare plugin hands it to customisers (wrangler's, resolved). */
type WorkerConfig = Record<string, unknown>;
type Customizer = Partial<WorkerConfig> | ((config: WorkerConfig, ...rest: unknown[]) => Partial<WorkerConfig> | void);
const MARK = Symbol.for("alarm-inspector.withAlarmInspector");

function arrayAt(config: WorkerConfig | undefined, key: string, inner?: string): unknown[] {
  const outer = config?.[key];
  const value = inner ? (outer as Record<string, unknown> | undefined)?.[inner] : outer;
  return Array.isArray(value) ? value : [];
}

/**
 * The Cloudflare plugin's options with the inspector's customiser composed after the user's own `config`: the hub's
 * binding and migration are added to the entry Worker. Auxiliary Workers are left as they are (they are not
 * inspected in this version, which `alarmInspector()` says when it meets one). Returns the options unchanged
 * unless a session was requested.
 */
export function withAlarmInspector<T extends object>(pluginConfig?: T): T {
  const options = (pluginConfig ?? {}) as T & { config?: Customizer; [MARK]?: true };
  if (options[MARK] || !readSessionRequest()) return options;
  const userCustomizer = options.config;
  const config = (workerConfig: WorkerConfig, ...rest: unknown[]): Partial<WorkerConfig> => {
    const own = typeof userCustomizer === "function" ? userCustomizer(workerConfig, ...rest) : userCustomizer;
    const result: Partial<WorkerConfig> = own ? { ...own } : {};
    // The plugin merges the result into the config with defu, which concatenates arrays: the final lists are the
    // result's followed by the config's.
    const bindings = [...arrayAt(result, "durable_objects", "bindings"), ...arrayAt(workerConfig, "durable_objects", "bindings")];
    const migrations = [...arrayAt(result, "migrations"), ...arrayAt(workerConfig, "migrations")];
    const name = String(result.name ?? workerConfig.name ?? "worker");
    const main = result.main ?? workerConfig.main;
    if (typeof main === "string") {
      const configPath = typeof workerConfig.configPath === "string" ? workerConfig.configPath : undefined;
      const base = configPath ? resolve(configPath, "..") : process.cwd();
      shared().entry = {
        name,
        main: isAbsolute(main) ? main : resolve(base, main),
        classes: durableObjectClasses({ name, durable_objects: { bindings }, migrations }),
      };
    }
    const durableObjects = (result.durable_objects ?? {}) as Record<string, unknown>;
    result.durable_objects = { ...durableObjects, bindings: [...arrayAt(result, "durable_objects", "bindings"), { name: HUB_BINDING, class_name: HUB_CLASS }] };
    result.migrations = [...arrayAt(result, "migrations"), { tag: HUB_MIGRATION_TAG, new_sqlite_classes: [HUB_CLASS] }];
    routeInspectorToWorker(result, workerConfig);
    return result;
  };
  return { ...options, config, [MARK]: true };
}

/**
 * With static assets, a request reaches the Worker only if no asset answers it first; a single-page app answers every
 * path with its `index.html`. The inspector's own paths are added to `run_worker_first` (unless everything already
 * runs the Worker first), so its health probe and socket reach the agent. The user's other routes are unchanged.
 */
function routeInspectorToWorker(result: Partial<WorkerConfig>, workerConfig: WorkerConfig): void {
  const own = result.assets as Record<string, unknown> | undefined;
  const assets = own ?? (workerConfig.assets as Record<string, unknown> | undefined);
  if (!assets || assets.run_worker_first === true || own?.run_worker_first === true) return;
  // defu concatenates the result's list with the config's, so only the user customiser's own entries are repeated.
  const ownRules = Array.isArray(own?.run_worker_first) ? (own.run_worker_first as unknown[]) : [];
  result.assets = { ...own, run_worker_first: [...ownRules, `${ROUTE_PREFIX}*`] };
}

/** The module that stands in for the user's `main`: theirs, re-exported with the agent's wrappers. */
export function entrySource(entry: EntryWorker, userMain: string, request: ViteSessionRequest): string {
  const main = JSON.stringify(userMain);
  const options = JSON.stringify({ token: request.token, worker: entry.name, classes: entry.classes, bufferSize: request.bufferSize });
  return [
    "// Generated by alarm-inspector for this vite dev session; your own module is imported unchanged.",
    `import * as user from ${main};`,
    `import { viteAgent } from ${JSON.stringify(request.agentPath)};`,
    `const agent = viteAgent(${options});`,
    `export * from ${main};`,
    ...entry.classes.map((c) => `export const ${c.className} = agent.instrument(user[${JSON.stringify(c.className)}], ${JSON.stringify(c.className)});`),
    `export const ${HUB_CLASS} = agent.Hub;`,
    "export default agent.entry(user.default);",
    "",
  ].join("\n");
}

function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b.replace(/[?#].*$/, ""));
}

/**
 * The Vite plugin. Put it before `cloudflare()` (it runs first anyway: `enforce: "pre"`). Serves only `vite dev`;
 * a build is never changed.
 */
export function alarmInspector(): Plugin {
  let request: ViteSessionRequest | undefined;
  let userMain: string | undefined;
  return {
    name: PLUGIN_NAME,
    enforce: "pre",
    apply: "serve",
    configResolved(config) {
      request = readSessionRequest();
      if (!request) return;
      const cloudflare = config.plugins.some((p) => p.name === CLOUDFLARE_PLUGIN);
      if (!cloudflare) throw new Error(`${PREFIX} this Vite config has no cloudflare() plugin, so Vite runs no Worker to inspect`);
      // The Cloudflare plugin calls its config customisers from its own config hook, which has run by now.
      if (!shared().entry) {
        throw new Error(
          `${PREFIX} the Cloudflare plugin's options were not passed through withAlarmInspector(), so the inspector's hub cannot be bound: write cloudflare(withAlarmInspector({...})), or start with \`alarm-inspector vite\``,
        );
      }
    },
    configureServer() {
      // Runs after every plugin's configureServer, the Cloudflare plugin's included, which loads the Worker's entry
      // to learn its exports: by then the entry must have come through here, or this plugin version is not wrappable.
      return () => {
        if (request && !userMain) {
          throw new Error(`${PREFIX} @cloudflare/vite-plugin did not load the Worker through ${USER_ENTRY}: this version of the plugin cannot be wrapped by the inspector`);
        }
      };
    },
    async resolveId(source, importer, options) {
      if (!request || source !== USER_ENTRY) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved) return null;
      const entry = shared().entry;
      if (!entry) return null;
      if (!samePath(entry.main, resolved.id)) {
        warnOnce(`aux:${resolved.id}`, `alarm-inspector: ${resolved.id} is the main module of an auxiliary Worker, which is not inspected in this version (only the entry Worker, ${entry.name}, is)`);
        return null;
      }
      userMain = resolved.id;
      return ENTRY_ID;
    },
    load(id) {
      if (id !== ENTRY_ID) return null;
      const entry = shared().entry;
      if (!request || !entry || !userMain) throw new Error("alarm-inspector: the entry module was requested before the session was set up");
      return entrySource(entry, userMain, request);
    },
  };
}

function warnOnce(key: string, message: string): void {
  const seen = shared().warned;
  if (seen.has(key)) return;
  seen.add(key);
  process.stderr.write(`${message}\n`);
}
