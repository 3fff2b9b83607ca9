/** Small HTTP helpers for the router: JSON errors and strict query-parameter parsing. */

/**
 * Thrown anywhere while handling a request to end it with a JSON `{ error }` body. Using an exception keeps
 * the route handlers linear: parse, call the object, answer.
 */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function errorResponse(status: number, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: message, ...extra }, { status });
}

interface NumberRule {
  /** Used when the parameter is absent; without it the parameter is required. */
  readonly default?: number;
  /** Smallest accepted value (inclusive). Every parameter here is a count or a duration, so never below 0. */
  readonly min?: number;
  /** Largest accepted value (inclusive), for counts that size a loop. */
  readonly max?: number;
}

/**
 * Reads a query parameter as a non-negative integer (milliseconds or a count).
 *
 * `Number("")` is 0 and `Number("1e3")` is 1000, so a plain `Number()` would quietly accept typos such as
 * `?inMs=`; the examples are also a test fixture, where a silently misread delay turns into a flaky test.
 * Only plain decimal digits are accepted, and anything else is a 400 that names the parameter.
 */
export function numberParam(url: URL, name: string, rule: NumberRule = {}): number {
  const raw = url.searchParams.get(name);
  if (raw === null) {
    if (rule.default !== undefined) return rule.default;
    throw new HttpError(400, `missing query parameter "${name}" (a non-negative integer)`);
  }
  const min = rule.min ?? 0;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new HttpError(400, `query parameter "${name}" must be a non-negative integer, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min) {
    throw new HttpError(400, `query parameter "${name}" must be at least ${min}, got ${value}`);
  }
  if (rule.max !== undefined && value > rule.max) {
    throw new HttpError(400, `query parameter "${name}" must be at most ${rule.max}, got ${value}`);
  }
  return value;
}

/** Like `numberParam`, but `undefined` when absent (for parameters whose absence means something). */
export function optionalNumberParam(url: URL, name: string, rule: Omit<NumberRule, "default"> = {}): number | undefined {
  return url.searchParams.has(name) ? numberParam(url, name, rule) : undefined;
}

/** A required, non-empty string query parameter. */
export function stringParam(url: URL, name: string, fallback?: string): string {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") {
    if (fallback !== undefined) return fallback;
    throw new HttpError(400, `missing query parameter "${name}"`);
  }
  return raw;
}
