/**
 * The frames of a V8 stack (workerd runs V8), reduced to what mapping needs: the generated file, line and column.
 * Pure: no `vscode`, no file access, so it is unit tested with the stacks the agent really sends.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** One stack line that names a location. Lines and columns are 1-based, as V8 prints them. */
export interface RawFrame {
  /** The line as printed, trimmed. */
  readonly text: string;
  /** The function V8 named (`Instrumented.set`, `new Clobber`, `async Wrapper.alarm`), if any. */
  readonly fn?: string;
  /** The location's file as printed: a `file://` URL, an absolute path, or another URL. */
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/** `at [async ][name ](location)` or `at location`. */
const V8_FRAME = /^at\s+(?:(.+?)\s+\((.+)\)|(.+))$/;
/** `file:line[:column]`; the file part may itself contain colons (URLs, Windows drives). */
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;

/** Parses one stack line; undefined for headings (`Error: boom`) and frames without a file (`native`, `<anonymous>`). */
export function parseFrameLine(line: string): RawFrame | undefined {
  const text = line.trim();
  const m = V8_FRAME.exec(text);
  if (!m) return undefined;
  const fn = m[1];
  const location = (m[2] ?? m[3] ?? "").trim();
  const loc = LOCATION.exec(location);
  if (!loc) return undefined;
  const [, file = "", lineText = "", columnText] = loc;
  if (file === "" || file === "native" || file.includes("<anonymous>") || file.startsWith("eval at ") || /^(node|internal|wasm):/.test(file)) {
    return undefined;
  }
  const frame: { -readonly [K in keyof RawFrame]: RawFrame[K] } = { text, file, line: Number(lineText) };
  if (fn !== undefined) frame.fn = fn;
  if (columnText !== undefined) frame.column = Number(columnText);
  return frame;
}

/** Every frame of a stack that names a location, top first. Headings and message lines are skipped. */
export function parseStackFrames(stack: string | undefined): RawFrame[] {
  if (!stack) return [];
  const out: RawFrame[] = [];
  for (const line of stack.split(/\r?\n/)) {
    const frame = parseFrameLine(line);
    if (frame) out.push(frame);
  }
  return out;
}

/**
 * The local path a printed file denotes: `file://` URLs are converted, absolute paths kept, anything else (another
 * scheme, a bare relative name) has no path on this machine.
 */
export function localPath(file: string): string | undefined {
  if (/^file:\/\//i.test(file)) {
    try {
      return fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(file)) return undefined;
  return path.isAbsolute(file) ? path.normalize(file) : undefined;
}
