/**
 * Small checks for reading JSON a person handed us (an imported export). Each failure names the path of the bad value,
 * so the message tells the user where the file is wrong instead of failing later with a TypeError.
 */

/** Thrown when a document does not have the expected shape. */
export class JsonShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonShapeError";
  }
}

/** A parsed JSON object. */
export type JsonRecord = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(path: string, expected: string, v: unknown): never {
  const got = v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
  throw new JsonShapeError(`${path} should be ${expected}, but is ${got}`);
}

/** `v` as a JSON object, or a `JsonShapeError` naming `path`. */
export function record(v: unknown, path: string): JsonRecord {
  return isRecord(v) ? v : fail(path, "an object", v);
}

/** `v` as an array, or a `JsonShapeError` naming `path`. */
export function array(v: unknown, path: string): unknown[] {
  return Array.isArray(v) ? v : fail(path, "an array", v);
}

/** `v` as a string, or a `JsonShapeError` naming `path`. */
export function string(v: unknown, path: string): string {
  return typeof v === "string" ? v : fail(path, "a string", v);
}

/** `v` as a finite number, or a `JsonShapeError` naming `path`. */
export function num(v: unknown, path: string): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fail(path, "a number", v);
}

/** `v` as a boolean, or a `JsonShapeError` naming `path`. */
export function bool(v: unknown, path: string): boolean {
  return typeof v === "boolean" ? v : fail(path, "true or false", v);
}

/** `v` as a finite number or null. */
export function numOrNull(v: unknown, path: string): number | null {
  return v === null ? null : num(v, path);
}

/** `v` as a string, or undefined when absent. */
export function optString(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : string(v, path);
}

/** One of `allowed`. */
export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : fail(path, `one of ${allowed.join(", ")}`, v);
}

/** An index into a list of `length` items. */
export function index(v: unknown, length: number, path: string): number {
  const i = num(v, path);
  if (!Number.isInteger(i) || i < 0 || i >= length) throw new JsonShapeError(`${path} should be a position from 0 to ${length - 1}, but is ${i}`);
  return i;
}
