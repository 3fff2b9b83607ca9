import type { CallSite, ValuePreview } from "../protocol/protocol";

/** Longest preview text sent for one value; the value itself never leaves the object. */
export const MAX_PREVIEW_CHARS = 200;
/** Longest key sent. */
export const MAX_KEY_CHARS = 256;
/** Most entries reported for one multi-key put/delete. */
export const MAX_ENTRIES_PER_EVENT = 20;
/** Longest SQL statement text sent. */
export const MAX_QUERY_CHARS = 300;

export function clipKey(key: string): string {
  return key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key;
}

/**
 * A bounded, printable rendering of a stored value. It walks the value itself instead of calling `JSON.stringify`
 * so that a megabyte value costs a few hundred characters of work, and it never throws (getters, cycles and exotic
 * objects are shown, not evaluated into an error that would reach the user's code).
 */
export function previewValue(value: unknown): ValuePreview {
  if (value === undefined) return { kind: "undefined", text: "undefined", truncated: false };
  if (value instanceof ArrayBuffer) return binary(value.byteLength);
  if (ArrayBuffer.isView(value)) return binary(value.byteLength);
  const out = new Writer(MAX_PREVIEW_CHARS);
  let kind: ValuePreview["kind"] = "json";
  try {
    if (!walk(value, out, new Set(), 0)) kind = "other";
  } catch {
    kind = "other";
    out.push("…");
  }
  return { kind, text: out.text, truncated: out.full };
}

function binary(bytes: number): ValuePreview {
  return { kind: "binary", text: `<binary ${bytes} bytes>`, truncated: false, bytes };
}

class Writer {
  text = "";
  full = false;
  constructor(private readonly limit: number) {}
  push(s: string): void {
    if (this.full) return;
    if (this.text.length + s.length > this.limit) {
      this.text += s.slice(0, this.limit - this.text.length);
      this.full = true;
    } else this.text += s;
  }
}

/** Writes a JSON-like rendering; returns false when the value holds something JSON cannot represent. */
function walk(v: unknown, out: Writer, seen: Set<object>, depth: number): boolean {
  if (out.full) return true;
  switch (typeof v) {
    case "string":
      out.push(JSON.stringify(v.length > MAX_PREVIEW_CHARS ? v.slice(0, MAX_PREVIEW_CHARS + 1) : v));
      return true;
    case "number":
      out.push(Number.isFinite(v) ? String(v) : String(v));
      return Number.isFinite(v);
    case "boolean":
      out.push(String(v));
      return true;
    case "bigint":
      out.push(`${v}n`);
      return false;
    case "undefined":
      out.push("undefined");
      return false;
    case "function":
    case "symbol":
      out.push(`<${typeof v}>`);
      return false;
  }
  if (v === null) {
    out.push("null");
    return true;
  }
  const obj = v as object;
  if (seen.has(obj)) {
    out.push("<cycle>");
    return false;
  }
  if (depth > 6) {
    out.push("…");
    return true;
  }
  seen.add(obj);
  try {
    if (obj instanceof Date) {
      out.push(`Date(${Number.isNaN(obj.getTime()) ? "invalid" : obj.toISOString()})`);
      return false;
    }
    if (obj instanceof ArrayBuffer || ArrayBuffer.isView(obj)) {
      out.push(`<binary ${(obj as ArrayBuffer).byteLength} bytes>`);
      return false;
    }
    if (obj instanceof Map) return walkEntries("Map{", "}", obj.entries(), out, seen, depth, true) && false;
    if (obj instanceof Set) return walkEntries("Set[", "]", obj.values(), out, seen, depth, false) && false;
    if (Array.isArray(obj)) {
      let plain = true;
      out.push("[");
      for (let i = 0; i < obj.length && !out.full; i++) {
        if (i) out.push(",");
        plain = walk(obj[i], out, seen, depth + 1) && plain;
      }
      out.push("]");
      return plain;
    }
    let plain = true;
    out.push("{");
    let first = true;
    for (const key of Object.keys(obj)) {
      if (out.full) break;
      if (!first) out.push(",");
      first = false;
      out.push(`${JSON.stringify(key)}:`);
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (desc && "value" in desc) plain = walk(desc.value, out, seen, depth + 1) && plain;
      else {
        out.push("<getter>");
        plain = false;
      }
    }
    out.push("}");
    return plain;
  } finally {
    seen.delete(obj);
  }
}

function walkEntries(
  open: string,
  close: string,
  it: Iterator<unknown>,
  out: Writer,
  seen: Set<object>,
  depth: number,
  pairs: boolean,
): boolean {
  out.push(open);
  let first = true;
  for (let r = it.next(); !r.done && !out.full; r = it.next()) {
    if (!first) out.push(",");
    first = false;
    if (pairs) {
      const [k, val] = r.value as [unknown, unknown];
      walk(k, out, seen, depth + 1);
      out.push("=>");
      walk(val, out, seen, depth + 1);
    } else walk(r.value, out, seen, depth + 1);
  }
  out.push(close);
  return true;
}

/** Most frames kept in a call site. */
const MAX_FRAMES = 5;

/** The parts of V8's structured stack frame (`CallSite`) a call site is written from. */
interface V8Frame {
  getFileName(): string | null | undefined;
  /** What V8 prints: the script's `//# sourceURL` when it has one (wrangler gives its bundle a `file://` one). */
  getScriptNameOrSourceURL?(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getTypeName(): string | null;
  isConstructor(): boolean;
  isAsync?(): boolean;
}

/** V8's stack hooks, present on workerd's `Error`. */
interface V8ErrorHooks {
  captureStackTrace?: (target: object, above?: Function) => void;
  prepareStackTrace?: (error: object, frames: V8Frame[]) => unknown;
  stackTraceLimit?: number;
}

const hooks = Error as unknown as V8ErrorHooks;
const keepFrames = (_error: object, frames: V8Frame[]): V8Frame[] => frames;

/** Call sites already written, by their frames' locations: a line that writes in a loop is formatted once. */
const written = new Map<string, CallSite>();
const MAX_WRITTEN = 2_000;

/**
 * The class name miniflare gives the subclass it wraps every Durable Object class in (wrangler 4's local explorer
 * support). V8 names a method's frame after the receiver's class, so without this every frame of the user's methods
 * would read `Wrapper.method`.
 */
const RUNTIME_WRAPPER = "Wrapper";

/** `Wrapper.x` frames of a stack text, named after the object's class as the user wrote it. */
export function nameFrames(stack: string, className: string): string {
  return stack.replace(/(\bat (?:async )?)Wrapper\./g, `$1${className}.`);
}

/**
 * The caller's stack, starting below `above` (the agent's own wrapper), so the first frame is the user's line.
 * `className` is the class of the object whose call this is: frames of its methods are named after it.
 *
 * This runs on every write while an editor listens, so it avoids what makes stacks slow: it asks V8 for at most
 * `MAX_FRAMES` frames, as structured frames (`Error.prepareStackTrace`) rather than the formatted text, and formats
 * each distinct site once. Both hooks are V8's, set only for this synchronous call and restored before any user code
 * runs again. Where the structured frames are not available the formatted text is used as before.
 */
export function callSite(above: Function, className: string): CallSite | undefined {
  const capture = hooks.captureStackTrace;
  if (!capture) return undefined;
  const holder: { stack?: unknown } = {};
  const { prepareStackTrace, stackTraceLimit } = hooks;
  let raw: unknown;
  try {
    hooks.prepareStackTrace = keepFrames;
    hooks.stackTraceLimit = MAX_FRAMES;
    capture(holder, above);
    raw = holder.stack;
  } catch {
    return undefined;
  } finally {
    hooks.prepareStackTrace = prepareStackTrace;
    hooks.stackTraceLimit = stackTraceLimit;
  }
  if (Array.isArray(raw)) return fromFrames(raw as V8Frame[], className);
  if (typeof raw !== "string") return undefined;
  const lines = raw.split("\n").slice(1, 1 + MAX_FRAMES);
  return lines.length ? { stack: nameFrames(lines.join("\n"), className) } : undefined;
}

function fromFrames(frames: V8Frame[], className: string): CallSite | undefined {
  if (frames.length === 0) return undefined;
  let key = `${className};`;
  for (const f of frames) key += `${fileOf(f)}:${f.getLineNumber() ?? ""}:${f.getColumnNumber() ?? ""};`;
  const known = written.get(key);
  if (known) return known;
  const site = { stack: frames.map((f) => frameLine(f, className)).join("\n") };
  if (written.size >= MAX_WRITTEN) written.clear();
  written.set(key, site);
  return site;
}

/** One frame as V8 prints it (`    at async Type.name (file:line:column)`), which the extension parses. */
function frameLine(f: V8Frame, className: string): string {
  const file = fileOf(f) || "<anonymous>";
  const line = f.getLineNumber();
  const column = f.getColumnNumber();
  const location = line === null ? file : column === null ? `${file}:${line}` : `${file}:${line}:${column}`;
  const name = f.getFunctionName();
  let fn: string | null = null;
  if (f.isConstructor()) fn = `new ${name ?? "<anonymous>"}`;
  else if (name) {
    const runtimeType = safeTypeName(f);
    const type = runtimeType === RUNTIME_WRAPPER ? className : runtimeType;
    fn = type && !name.startsWith(`${type}.`) ? `${type}.${name}` : name;
  }
  const prefix = f.isAsync?.() ? "async " : "";
  return fn ? `    at ${prefix}${fn} (${location})` : `    at ${prefix}${location}`;
}

function fileOf(f: V8Frame): string {
  return f.getScriptNameOrSourceURL?.() ?? f.getFileName() ?? "";
}

function safeTypeName(f: V8Frame): string | null {
  try {
    const type = f.getTypeName();
    return type === "Object" || type === "global" ? null : type;
  } catch {
    return null;
  }
}
