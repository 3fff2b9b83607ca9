/** JSON answers and strict query parameters, shared by the example rooms. */

/** A JSON response. */
export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

/** Thrown for a bad request; the room turns it into a 400. */
export class BadRequest extends Error {}

/**
 * A non-negative whole number from the query (a count, or milliseconds), or `fallback` when absent. `?ttlMs=` or
 * `?ttlMs=1e3` are refused rather than read as 0 or 1000.
 */
export function wholeNumber(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new BadRequest(`?${name}= must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** `METHOD action` for the path below the room: `/parties/recurring-job/nightly/start` → `POST start`. */
export function route(request: Request): string {
  const parts = new URL(request.url).pathname.split("/").filter(Boolean);
  return `${request.method} ${parts.slice(3).join("/")}`;
}

/** Runs a request handler, answering a `BadRequest` with 400 instead of an error page. */
export async function handle(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof BadRequest) return json({ error: e.message }, 400);
    throw e;
  }
}
