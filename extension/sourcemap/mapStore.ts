/**
 * Source maps of the bundles wrangler writes (`.wrangler/tmp/dev-XXXX/<entry>.js` and its `.map`), read from disk
 * on demand and kept while the bundle is unchanged. No `vscode`: the extension passes in which folders may be read.
 *
 * wrangler rewrites the bundle in place on every hot reload, so a cached map is checked against the bundle's size
 * and modification time before it is trusted again (at most once per `recheckMs`, and at once after `invalidate`).
 */
import { readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { TraceMap } from "@jridgewell/trace-mapping";
import type { LoadedMap, MapLookup } from "./mapFrame";
import { resolveSource } from "./mapFrame";
import { isUserSource } from "./userCode";

/** How a store is set up. */
export interface SourceMapStoreOptions {
  /** May this absolute path be read? The extension allows its workspace folders only. */
  readonly allowed: (file: string) => boolean;
  /** Largest map read, in bytes. Default 64 MiB (a bundle of a large Worker maps to a few MB). */
  readonly maxBytes?: number;
  /** How long a checked map is trusted before its bundle is looked at again. Default 1000 ms. */
  readonly recheckMs?: number;
  /** The clock; `Date.now` unless a test says. */
  readonly clock?: () => number;
}

interface Entry {
  /** `undefined`: the file has no usable map (kept so that it is not read again and again). */
  readonly loaded: LoadedMap | undefined;
  readonly mtimeMs: number;
  readonly size: number;
  checkedAt: number;
}

/** Only generated JavaScript is looked at: a frame naming any other file has nothing to map. */
const GENERATED = /\.(m|c)?js$/i;

/** Reads, parses and caches the source maps of generated files. */
export class SourceMapStore {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<void>>();
  private generationValue = 0;
  /** `userSources()` as of a generation: the same array while the maps are the same (see its comment). */
  private sourcesMemo: { readonly generation: number; readonly sources: readonly string[] } | undefined;
  private readonly maxBytes: number;
  private readonly recheckMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: SourceMapStoreOptions) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.recheckMs = options.recheckMs ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** The cached map of a generated file, as last loaded (sync, for `mapFrame`). */
  readonly lookup: MapLookup = (generatedFile) => this.entries.get(generatedFile)?.loaded;

  /** Loads (or re-validates) the maps of these generated files. Never rejects: an unreadable file has no map. */
  async prepare(generatedFiles: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(generatedFiles)].map((f) => this.ensure(f)));
  }

  /** Forgets when maps were last checked, so the next `prepare` looks at every bundle again (after a reload). */
  invalidate(): void {
    for (const e of this.entries.values()) e.checkedAt = Number.NEGATIVE_INFINITY;
    this.generationValue++;
  }

  /**
   * Changes whenever what `lookup` answers may have changed (a map loaded or reloaded, or `invalidate`): what a
   * caller derived from the maps (a stack's site, the list of sources) holds while it stays the same.
   */
  get generation(): number {
    return this.generationValue;
  }

  /**
   * The user's source files named by the maps loaded so far (absolute paths): where their classes live. The same
   * array is returned while the `generation` stays the same, so a caller can tell "the maps changed" by identity.
   */
  userSources(): readonly string[] {
    if (this.sourcesMemo?.generation === this.generationValue) return this.sourcesMemo.sources;
    const out = new Set<string>();
    for (const e of this.entries.values()) {
      if (!e.loaded) continue;
      const { map, mapPath } = e.loaded;
      for (const s of map.sources) {
        if (s === null) continue;
        const file = resolveSource(s, map.sourceRoot ?? undefined, mapPath);
        if (file !== undefined && isUserSource(file)) out.add(file);
      }
    }
    const sources = [...out].sort();
    this.sourcesMemo = { generation: this.generationValue, sources };
    return sources;
  }

  private ensure(file: string): Promise<void> {
    const running = this.pending.get(file);
    if (running) return running;
    const cached = this.entries.get(file);
    if (cached && this.clock() - cached.checkedAt < this.recheckMs) return Promise.resolve();
    const job = this.refresh(file).finally(() => this.pending.delete(file));
    this.pending.set(file, job);
    return job;
  }

  private async refresh(file: string): Promise<void> {
    if (!path.isAbsolute(file) || !GENERATED.test(file) || !this.options.allowed(file)) {
      this.entries.set(file, { loaded: undefined, mtimeMs: 0, size: 0, checkedAt: Number.POSITIVE_INFINITY });
      return;
    }
    const now = this.clock();
    let info;
    try {
      info = await stat(file);
    } catch {
      // A bundle of a session that has ended (wrangler removes its tmp folder): keep what was known.
      const cached = this.entries.get(file);
      if (cached) cached.checkedAt = now;
      else this.entries.set(file, { loaded: undefined, mtimeMs: 0, size: 0, checkedAt: now });
      return;
    }
    const cached = this.entries.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      cached.checkedAt = now;
      return;
    }
    const loaded = await this.read(file, info.size).catch(() => undefined);
    this.entries.set(file, { loaded, mtimeMs: info.mtimeMs, size: info.size, checkedAt: now });
    this.generationValue++;
  }

  /** The map a generated file points to: its `sourceMappingURL` (a file or inline data), else `<file>.map`. */
  private async read(file: string, size: number): Promise<LoadedMap | undefined> {
    if (size > this.maxBytes) return undefined;
    const code = await readFile(file, "utf8");
    const url = mappingUrl(code);
    if (url?.startsWith("data:")) {
      const comma = url.indexOf(",");
      const meta = url.slice(5, comma);
      const body = url.slice(comma + 1);
      const json = meta.endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
      return { map: new TraceMap(json, file), mapPath: file };
    }
    let mapPath = `${file}.map`;
    if (url !== undefined) {
      // A map served from elsewhere (http:, …) is not this machine's to read.
      if (/^[a-z][a-z0-9+.-]+:\/\//i.test(url) && !/^file:/i.test(url)) return undefined;
      mapPath = /^file:\/\//i.test(url) ? fileURLToPath(url) : path.resolve(path.dirname(file), decodeURIComponent(url));
    }
    if (!this.options.allowed(mapPath)) return undefined;
    const mapInfo = await stat(mapPath);
    if (mapInfo.size > this.maxBytes) return undefined;
    return { map: new TraceMap(await readFile(mapPath, "utf8"), mapPath), mapPath };
  }
}

/** The URL of a file's last `//# sourceMappingURL=` comment (an inline map makes it long: no fixed-size tail). */
function mappingUrl(code: string): string | undefined {
  const at = code.lastIndexOf("sourceMappingURL=");
  if (at < 0 || !/\/\/[#@]\s*$/.test(code.slice(Math.max(0, at - 8), at))) return undefined;
  const url = code.slice(at + "sourceMappingURL=".length).split(/\r?\n/, 1)[0]?.trim();
  return url ? url : undefined;
}
