/**
 * Frames for the inspector endpoint's fuzz test, generated from a seed: wrong types in every field of every command,
 * huge numbers and strings, deep nesting, random JSON, mutations of valid frames, binary frames and invalid UTF-8.
 * The same seed gives the same frames, so a failure reproduces.
 */
import { COMMAND_OPS, SCHEDULE_COMMAND_OPS } from "../../protocol/protocol";
import { Random } from "../soak/random";

/** One frame: text as the client writes it, or raw bytes sent as a text or binary frame. */
export type Frame =
  | { kind: "text"; text: string; why: string }
  | { kind: "bytes"; bytes: Buffer; binary: boolean; why: string };

export const CLASS = "Soak";
/** Far enough ahead that an alarm a fuzzed command sets never fires during the test. */
const FAR = 4_102_444_800_000;

/** A valid command of every op, on a handful of objects. */
export function validCommands(random: Random): Record<string, unknown>[] {
  const target = () => ({ className: CLASS, name: `fuzz${random.int(0, 4)}` });
  return [...COMMAND_OPS, ...SCHEDULE_COMMAND_OPS].map((op, i) => {
    const base: Record<string, unknown> = { type: "command", id: i + 1, op, target: target() };
    if (op === "setAlarm") base.scheduledTime = FAR;
    if (op === "failNext") Object.assign(base, { count: 0, message: "fuzz" });
    if (op.startsWith("schedule")) base.scheduleId = "s1";
    if (op === "scheduleReschedule") base.time = FAR;
    return base;
  });
}

const deep = (n: number, open: string, close: string, inner = "0") => open.repeat(n) + inner + close.repeat(n);

/** Values of every JSON type, and the awkward ones of each. */
export function hostileValues(): { value: unknown; raw?: string; name: string }[] {
  return [
    { value: null, name: "null" },
    { value: true, name: "true" },
    { value: false, name: "false" },
    { value: 0, name: "0" },
    { value: -1, name: "-1" },
    { value: 1.5, name: "1.5" },
    { value: 2 ** 53 + 2, name: "2^53+2" },
    { value: 1e308, name: "1e308" },
    { value: -1e308, name: "-1e308" },
    { value: 5e-324, name: "5e-324" },
    { value: undefined, raw: "1e999", name: "1e999 (Infinity)" },
    { value: undefined, raw: "-1e999", name: "-1e999" },
    { value: undefined, raw: "123456789012345678901234567890123456789012345678901234567890", name: "60-digit integer" },
    { value: "", name: "empty string" },
    { value: "x".repeat(60_000), name: "60 KB string" },
    { value: "\u0000\u0007\u001b[31m\r\n", name: "control characters" },
    { value: "\ud800", name: "lone surrogate" },
    { value: "<img src=x onerror=alert(1)>", name: "markup" },
    { value: "__proto__", name: "__proto__" },
    { value: [], name: "[]" },
    { value: [1, "a", null], name: "array" },
    { value: {}, name: "{}" },
    { value: { toString: "x", valueOf: 1 }, name: "object with toString" },
    { value: undefined, raw: deep(2000, "[", "]"), name: "2000-deep array" },
    { value: undefined, raw: deep(1500, '{"a":', "}"), name: "1500-deep object" },
  ];
}

/** Every field path of a command, including ones it does not have. */
function fieldsOf(command: Record<string, unknown>): string[][] {
  const paths: string[][] = [];
  for (const k of Object.keys(command)) {
    paths.push([k]);
    const v = command[k];
    if (typeof v === "object" && v !== null) for (const kk of Object.keys(v)) paths.push([k, kk]);
  }
  paths.push(["target", "id"], ["extra"], ["__proto__"], ["constructor"]);
  return paths;
}

/** The command's JSON with `path` set to `raw` JSON text (so values JSON.stringify cannot write can be placed). */
function withRaw(command: Record<string, unknown>, path: string[], raw: string): string {
  const marker = "\u0001MARK\u0001";
  const copy = JSON.parse(JSON.stringify(command)) as Record<string, unknown>;
  let holder: Record<string, unknown> = copy;
  for (const p of path.slice(0, -1)) {
    if (typeof holder[p] !== "object" || holder[p] === null) holder[p] = {};
    holder = holder[p] as Record<string, unknown>;
  }
  // defineProperty: a plain assignment to "__proto__" would set the prototype instead of a key JSON shows.
  Object.defineProperty(holder, path[path.length - 1]!, { value: marker, enumerable: true, configurable: true, writable: true });
  return JSON.stringify(copy).replace(JSON.stringify(marker), raw);
}

function randomJson(random: Random, depth: number): unknown {
  switch (depth <= 0 ? random.int(0, 3) : random.int(0, 5)) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5 ? random.int(-1e9, 1e9) : random.next() * 10 ** random.int(-20, 300);
    case 2:
      return String.fromCharCode(...Array.from({ length: random.int(0, 40) }, () => random.int(0, 0xffff)));
    case 3:
      return random.next() < 0.5;
    case 4:
      return Array.from({ length: random.int(0, 5) }, () => randomJson(random, depth - 1));
    default: {
      const keys = ["type", "id", "op", "target", "className", "name", "scheduledTime", "count", "message", "scheduleId", "time", "x"];
      const o: Record<string, unknown> = {};
      for (let i = random.int(0, 6); i > 0; i--) o[keys[random.int(0, keys.length - 1)]!] = randomJson(random, depth - 1);
      if (random.next() < 0.5) o.type = "command";
      return o;
    }
  }
}

/** One to five byte-level edits of a valid frame: flips, cuts, copies, inserted awkward characters. */
function mutate(random: Random, text: string): string {
  let s = text;
  const inserts = ["\"", "\\", "{", "}", "[", "]", ",", ":", "\u0000", "\ud800", "\uffff", "1e999", "-", "null", " "];
  for (let n = random.int(1, 5); n > 0 && s.length > 0; n--) {
    const at = random.int(0, s.length - 1);
    switch (random.int(0, 3)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << random.int(0, 6))) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + random.int(1, 8));
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + random.int(1, 16)) + s.slice(at);
        break;
      default:
        s = s.slice(0, at) + inserts[random.int(0, inserts.length - 1)] + s.slice(at);
    }
  }
  return s;
}

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates encoded, truncated sequences. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff, 0xfe]];

/** `count` frames (at least; the systematic part comes first), each saying why it was sent. */
export function generateFrames(seed: number, count: number): Frame[] {
  const random = new Random(seed);
  const valid = validCommands(random);
  const frames: Frame[] = [];
  // Wrong types in every field of every command.
  for (const command of valid) {
    for (const path of fieldsOf(command)) {
      for (const h of hostileValues()) {
        const raw = h.raw ?? JSON.stringify(h.value);
        frames.push({ kind: "text", text: withRaw(command, path, raw), why: `${command.op}: ${path.join(".")} = ${h.name}` });
      }
    }
  }
  // Binary frames, invalid UTF-8 in a text frame (inside a string and bare), and oversized frames.
  const plain = JSON.stringify(valid[4]);
  for (const bad of BAD_UTF8) {
    const b = Buffer.from(bad);
    const at = plain.indexOf("fuzz");
    frames.push({ kind: "bytes", bytes: Buffer.concat([Buffer.from(plain.slice(0, at)), b, Buffer.from(plain.slice(at))]), binary: false, why: `invalid UTF-8 ${b.toString("hex")} in a string` });
    frames.push({ kind: "bytes", bytes: b, binary: false, why: `invalid UTF-8 ${b.toString("hex")} alone` });
    frames.push({ kind: "bytes", bytes: Buffer.concat([Buffer.from(plain), b]), binary: true, why: "a binary frame" });
  }
  frames.push({ kind: "text", text: `{"type":"command","id":1,"pad":"${"y".repeat(70_000)}"}`, why: "over the frame limit (ASCII)" });
  frames.push({ kind: "text", text: `{"type":"command","id":1,"pad":"${"\u4e00".repeat(30_000)}"}`, why: "over the frame limit (3-byte characters)" });
  frames.push({ kind: "text", text: deep(30_000, "[", "]"), why: "30000-deep array" });
  frames.push({ kind: "text", text: "[".repeat(20_000), why: "20000 unclosed brackets" });
  // Deep enough that a recursive JSON.stringify of the field (to quote it in a refusal) runs out of stack.
  frames.push({ kind: "text", text: `{"type":${deep(30_000, "[", "]")}}`, why: "type: 30000-deep array" });
  frames.push({ kind: "text", text: `{"type":"command","id":1,"op":${deep(30_000, "[", "]")}}`, why: "op: 30000-deep array" });
  frames.push({ kind: "text", text: `{"type":"command","id":1,"op":${deep(10_000, '{"a":', "}")}}`, why: "op: 10000-deep object" });
  frames.push({ kind: "text", text: "", why: "empty frame" });
  // Then random JSON and mutated valid frames, half and half, up to `count`.
  while (frames.length < count) {
    if (random.next() < 0.5) {
      frames.push({ kind: "text", text: JSON.stringify(randomJson(random, random.int(0, 6))) ?? "null", why: "random JSON" });
    } else {
      const base = valid[random.int(0, valid.length - 1)]!;
      frames.push({ kind: "text", text: mutate(random, JSON.stringify(base)), why: `mutated ${String(base.op)}` });
    }
  }
  return frames;
}
