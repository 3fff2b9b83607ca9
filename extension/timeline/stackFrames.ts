/**
 * Error stacks as frames a person can click. Workers run on V8, so stacks read `    at fn (file:line:column)`; lines
 * in other shapes (`fn@file:line:column`, or text the runtime added) are kept as text frames, so nothing the runtime
 * printed is hidden.
 */
import type { StackFrame } from "../shared/timelineMessages";

/** A location such as `file:///src/a.ts:10:5`, `src/a.ts:10`, `C:\src\a.ts:10:5`. */
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;
/** `at [async ][name ](location)` or `at location`. */
const V8_FRAME = /^at\s+(?:(.+?)\s+\()?(.+?)\)?$/;
/** `name@location` (SpiderMonkey / JavaScriptCore). */
const AT_SIGN_FRAME = /^([^@\s]*)@(.+)$/;

/** Frames the runtime prints for its own code: there is no file to open. */
function isRealFile(file: string): boolean {
  return file !== "" && file !== "native" && !file.includes("<anonymous>") && !file.startsWith("eval at ") && !/^(node|internal|wasm):/.test(file);
}

/** The file, line and column a location names, if it names a file. */
export function parseLocation(location: string): Pick<StackFrame, "file" | "line" | "column"> {
  const m = LOCATION.exec(location.trim());
  if (!m) return {};
  const [, file = "", line, column] = m;
  if (!isRealFile(file)) return {};
  const out: Pick<StackFrame, "file" | "line" | "column"> = { file, line: Number(line) };
  if (column !== undefined) out.column = Number(column);
  return out;
}

/** One stack line as a frame: its text, and its location when it has one. */
export function parseFrame(line: string): StackFrame {
  const text = line.trim();
  const v8 = V8_FRAME.exec(text);
  if (v8) return { text, ...parseLocation(v8[2] ?? "") };
  const at = AT_SIGN_FRAME.exec(text);
  if (at) return { text, ...parseLocation(at[2] ?? "") };
  return { text };
}

/**
 * The frames of a stack. The heading lines V8 puts first (`Error: message`, which may span several lines) repeat the
 * message shown beside the stack, so they are left out when the stack has frames; a stack with none is kept whole.
 */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (stack === undefined || stack.trim() === "") return [];
  const lines = stack.split(/\r?\n/).filter((l) => l.trim() !== "");
  const firstFrame = lines.findIndex((l) => /^\s*at\s/.test(l) || AT_SIGN_FRAME.test(l.trim()));
  return (firstFrame > 0 ? lines.slice(firstFrame) : lines).map(parseFrame);
}
