/**
 * The one reader of error stacks, for the timeline (frames a person can click) and the source maps (frames to map).
 * Workers run on V8, so stacks read `    at [async ][name ](file:line:column)`; lines in other shapes
 * (`name@file:line:column`, or text the runtime added) are kept as text frames, so nothing the runtime printed is
 * hidden. Pure: no `vscode`, no file access, so it is unit tested with the stacks the agent really sends.
 */

/** A location such as `file:///src/a.ts:10:5`, `src/a.ts:10`, `C:\src\a.ts:10:5`: the file part may hold colons. */
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;
/** `at [async ][name ](location)` or `at location`. */
const V8_FRAME = /^at\s+(?:(.+?)\s+\((.+)\)|(.+))$/;
/** `name@location` (SpiderMonkey / JavaScriptCore). */
const AT_SIGN_FRAME = /^([^@\s]*)@(.+)$/;

/** Where a frame points. Lines and columns are 1-based, as V8 prints them. */
export interface FrameLocation {
  /** The file as printed: a `file://` URL, an absolute path, or another URL. */
  file?: string;
  line?: number;
  column?: number;
}

/** One stack line: its text (trimmed) and, when it names a file, where. */
export interface StackLine extends FrameLocation {
  text: string;
}

/** A V8 frame that names a file: what source maps can map. */
export interface RawFrame {
  /** The line as printed, trimmed. */
  readonly text: string;
  /** The function V8 named (`Instrumented.set`, `new Clobber`, `async Wrapper.alarm`), if any. */
  readonly fn?: string;
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/** Frames the runtime prints for its own code: there is no file to open or map. */
function isRealFile(file: string): boolean {
  return file !== "" && file !== "native" && !file.includes("<anonymous>") && !file.startsWith("eval at ") && !/^(node|internal|wasm):/.test(file);
}

/** The file, line and column a location names, if it names a file. */
export function parseLocation(location: string): FrameLocation {
  const m = LOCATION.exec(location.trim());
  if (!m) return {};
  const [, file = "", line, column] = m;
  if (!isRealFile(file)) return {};
  const out: FrameLocation = { file, line: Number(line) };
  if (column !== undefined) out.column = Number(column);
  return out;
}

/** A V8 frame line's function name (if printed) and location text; undefined for other lines. */
function splitV8(text: string): { fn: string | undefined; location: string } | undefined {
  const m = V8_FRAME.exec(text);
  return m ? { fn: m[1], location: (m[2] ?? m[3] ?? "").trim() } : undefined;
}

/** One stack line as a frame: its text, and its location when it has one (V8's shape or `name@location`). */
export function parseFrame(line: string): StackLine {
  const text = line.trim();
  const v8 = splitV8(text);
  if (v8) return { text, ...parseLocation(v8.location) };
  const at = AT_SIGN_FRAME.exec(text);
  if (at) return { text, ...parseLocation(at[2] ?? "") };
  return { text };
}

/**
 * The frames of a stack, for a person. The heading lines V8 puts first (`Error: message`, which may span several
 * lines) repeat the message shown beside the stack, so they are left out when the stack has frames; a stack with none
 * is kept whole.
 */
export function parseStack(stack: string | undefined): StackLine[] {
  if (stack === undefined || stack.trim() === "") return [];
  const lines = stack.split(/\r?\n/).filter((l) => l.trim() !== "");
  const firstFrame = lines.findIndex((l) => /^\s*at\s/.test(l) || AT_SIGN_FRAME.test(l.trim()));
  return (firstFrame > 0 ? lines.slice(firstFrame) : lines).map(parseFrame);
}

/** Parses one V8 stack line for mapping; undefined for headings (`Error: boom`) and frames without a file (`native`). */
export function parseFrameLine(line: string): RawFrame | undefined {
  const text = line.trim();
  const v8 = splitV8(text);
  if (!v8) return undefined;
  const { file, line: lineNumber, column } = parseLocation(v8.location);
  if (file === undefined || lineNumber === undefined) return undefined;
  const frame: { -readonly [K in keyof RawFrame]: RawFrame[K] } = { text, file, line: lineNumber };
  if (v8.fn !== undefined) frame.fn = v8.fn;
  if (column !== undefined) frame.column = column;
  return frame;
}

/** Every V8 frame of a stack that names a file, top first, for mapping. Headings and message lines are skipped. */
export function parseStackFrames(stack: string | undefined): RawFrame[] {
  if (!stack) return [];
  const out: RawFrame[] = [];
  for (const line of stack.split(/\r?\n/)) {
    const frame = parseFrameLine(line);
    if (frame) out.push(frame);
  }
  return out;
}

/** A frame after mapping (`EditorCommands.resolveFrames`): `openable` when it was mapped to the user's source. */
export interface ResolvedFrame extends StackLine {
  openable?: boolean;
}

/**
 * True for a frame in code the inspector or wrangler generated (the launcher's entry under `.wrangler/`, wrangler's
 * bundle and middleware, the agent bundle `dist/agent.mjs`), left where it was because it maps to no user source: the agent's
 * wrapper around the user's handler (`at Room.alarm (…/.wrangler/tmp/dev-…/entry.js:56:34)`) and wrangler's plumbing.
 */
function isGeneratedFrame(f: ResolvedFrame): boolean {
  // Judged by the path, not by `openable`: the generated entry is a file in the workspace too (under .wrangler/), so
  // the timeline can open it, but it is never the user's code.
  if (f.file === undefined) return false;
  const parts = f.file.split(/[\\/]+/);
  const n = parts.length;
  return parts.includes(".wrangler") || (n >= 2 && parts[n - 1] === "agent.mjs" && parts[n - 2] === "dist");
}

/** The function a frame's text names (`Room.alarm`, `async Room.alarm`), if it names one. */
export function frameFunction(text: string): string | undefined {
  return splitV8(text)?.fn;
}

/**
 * Mapped frames as a person reads them: a frame in the user's source reads `Room.alarm (src/worker.ts:48)`, and the
 * frames of generated code (the agent's wrappers, wrangler's bundle) are left out, unless nothing else is left (a
 * stack whose maps could not be read is shown whole rather than not at all). `relative` turns a path into the
 * workspace-relative one shown.
 */
export function presentFrames<F extends ResolvedFrame>(frames: readonly F[], relative: (file: string) => string): F[] {
  const kept = frames.filter((f) => !isGeneratedFrame(f));
  if (kept.length === 0) return [...frames];
  return kept.map((f) => {
    if (!f.openable || f.file === undefined) return f;
    const fn = frameFunction(f.text);
    const where = `${relative(f.file)}${f.line !== undefined ? `:${f.line}` : ""}`;
    return { ...f, text: fn ? `${fn} (${where})` : where };
  });
}
