/**
 * Maps a frame of wrangler's bundle back to the user's source through the bundle's source map. Pure: the maps come
 * in through a lookup, so the same function serves the extension (maps read from disk) and the unit tests.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor } from "@jridgewell/trace-mapping";
import type { TraceMap } from "@jridgewell/trace-mapping";
import { parseStackFrames } from "../common/stackTrace";
import type { RawFrame } from "../common/stackTrace";
import { localPath } from "./localPath";
import { isUserSource } from "./userCode";

/** A place in a source file: an absolute path, a 1-based line and a 1-based column (as editors show them). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A generated file's source map, and where the map was read from (relative sources resolve against it). */
export interface LoadedMap {
  readonly map: TraceMap;
  /** Absolute path of the `.map` file, or of the generated file when the map was inline. */
  readonly mapPath: string;
}

/** The source map of a generated file (absolute path), when one is known. */
export type MapLookup = (generatedFile: string) => LoadedMap | undefined;

/** The absolute path a map's `source` entry denotes: file URLs converted, relative ones resolved like a URL would. */
export function resolveSource(source: string, sourceRoot: string | undefined, mapPath: string): string | undefined {
  const asPath = (s: string): string | undefined => {
    if (/^file:\/\//i.test(s)) {
      try {
        return fileURLToPath(s);
      } catch {
        return undefined;
      }
    }
    return /^[a-z][a-z0-9+.-]+:/i.test(s) && !/^[a-z]:[\\/]/i.test(s) ? undefined : s;
  };
  const src = asPath(source);
  if (src === undefined) return undefined;
  if (path.isAbsolute(src)) return path.normalize(src);
  const root = sourceRoot ? asPath(sourceRoot) : "";
  if (root === undefined) return undefined;
  const joined = root ? path.join(root, src) : src;
  return path.isAbsolute(joined) ? path.normalize(joined) : path.resolve(path.dirname(mapPath), joined);
}

/**
 * Where a frame points in the user's source, or undefined when it points elsewhere (the agent, wrangler's
 * middleware, `node_modules`), cannot be mapped, or names no local file.
 *
 * A frame in a file without a map is taken as it is when that file is the user's (a Worker run without bundling).
 */
export function mapFrame(frame: RawFrame, maps: MapLookup): SourceLocation | undefined {
  const generated = localPath(frame.file);
  if (generated === undefined) return undefined;
  const loaded = maps(generated);
  if (!loaded) return isUserSource(generated) ? { file: generated, line: frame.line, column: frame.column ?? 1 } : undefined;
  // V8 columns are 1-based; source maps count from 0. A frame between two mappings takes the one before it, as
  // debuggers do; one before the first mapping of its line takes the next.
  const needle = { line: frame.line, column: Math.max(0, (frame.column ?? 1) - 1) };
  let pos = originalPositionFor(loaded.map, { ...needle, bias: GREATEST_LOWER_BOUND });
  if (pos.source === null) pos = originalPositionFor(loaded.map, { ...needle, bias: LEAST_UPPER_BOUND });
  if (pos.source === null || pos.line === null) return undefined;
  const index = loaded.map.resolvedSources.indexOf(pos.source);
  const raw = index >= 0 ? (loaded.map.sources[index] ?? pos.source) : pos.source;
  const file = resolveSource(raw, index >= 0 ? (loaded.map.sourceRoot ?? undefined) : undefined, loaded.mapPath);
  if (file === undefined || !isUserSource(file)) return undefined;
  return { file, line: pos.line, column: (pos.column ?? 0) + 1 };
}

/** A stack mapped: its first frame in the user's code (the call site), and every frame's mapping, top first. */
export interface MappedStack {
  readonly site: SourceLocation | undefined;
  readonly frames: readonly { readonly frame: RawFrame; readonly location: SourceLocation | undefined }[];
}

/** Maps every frame of a stack and picks the first that lands in the user's code. */
export function mapStack(stack: string | undefined, maps: MapLookup): MappedStack {
  const frames = parseStackFrames(stack).map((frame) => ({ frame, location: mapFrame(frame, maps) }));
  return { site: frames.find((f) => f.location !== undefined)?.location, frames };
}

/** The generated files a stack names (absolute paths), for loading their maps before mapping. */
export function generatedFiles(stack: string | undefined): string[] {
  const out = new Set<string>();
  for (const f of parseStackFrames(stack)) {
    const p = localPath(f.file);
    if (p !== undefined) out.add(p);
  }
  return [...out];
}
