/** JSON answers and strict query parameters, shared by the example parties. */

/** A JSON response; errors are `{ error }` with a 4xx status. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Thrown for a bad request; the party turns it into a 400. */
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

/** The path below the room: `/parties/jobs/nightly/start` → `start` (empty for the room itself). */
export function action(url: URL): string {
  const parts = url.pathname.split("/").filter(Boolean);
  // /party/<room>/… for the main party, /parties/<party>/<room>/… for the others.
  return parts.slice(parts[0] === "party" ? 2 : 3).join("/");
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
