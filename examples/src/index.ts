/**
 * Alarm examples: one Durable Object per alarm pattern, behind a small JSON HTTP API.
 *
 * The Worker is the inspector's demo and its runtime-test fixture, so the API is deliberately boring and
 * stable: every route is listed in `ROUTES`, every answer is JSON, and every error is `{ error }` with a 400
 * (bad input) or 404 (no such route). The objects are reached by name with `getByName` and driven over RPC;
 * none of them implements `fetch`, which keeps HTTP concerns here and alarm logic in the objects.
 */
import { Batcher } from "./objects/batcher";
import { Clobber } from "./objects/clobber";
import { ExpiringSession } from "./objects/expiring-session";
import { FlakyJob } from "./objects/flaky-job";
import { PeriodicCleaner } from "./objects/periodic-cleaner";
import { Reminder } from "./objects/reminder";
import { Scheduler } from "./objects/scheduler";
import { SqlCounter } from "./objects/sql-counter";
import { HttpError, errorResponse, numberParam, optionalNumberParam, stringParam } from "./http";

// wrangler (and the inspector's launcher, which wraps each class) find the classes by these export names,
// which must match `class_name` in wrangler.jsonc.
export { Batcher, Clobber, ExpiringSession, FlakyJob, PeriodicCleaner, Reminder, Scheduler, SqlCounter };

export interface Env {
  BATCHER: DurableObjectNamespace<Batcher>;
  CLEANER: DurableObjectNamespace<PeriodicCleaner>;
  REMINDER: DurableObjectNamespace<Reminder>;
  SCHEDULER: DurableObjectNamespace<Scheduler>;
  FLAKY: DurableObjectNamespace<FlakyJob>;
  EXPIRY: DurableObjectNamespace<ExpiringSession>;
  SQL_COUNTER: DurableObjectNamespace<SqlCounter>;
  CLOBBER: DurableObjectNamespace<Clobber>;
}

/** URL segment → binding. The first path segment picks the pattern, the second names the object. */
const KINDS = {
  batcher: "BATCHER",
  cleaner: "CLEANER",
  reminder: "REMINDER",
  scheduler: "SCHEDULER",
  flaky: "FLAKY",
  expiry: "EXPIRY",
  sql: "SQL_COUNTER",
  clobber: "CLOBBER",
} as const satisfies Record<string, keyof Env>;

type Kind = keyof typeof KINDS;

/** The whole API, served by `GET /` and repeated in every 404 so a wrong guess is self-correcting. */
const ROUTES = [
  "GET /",
  "POST /batcher/:name/add?delayMs=10000 (body: item)",
  "GET /batcher/:name",
  "POST /cleaner/:name/start?intervalMs=",
  "POST /cleaner/:name/tmp (body: value)",
  "POST /cleaner/:name/stop",
  "GET /cleaner/:name",
  "POST /reminder/:name/set?inMs=&message=",
  "DELETE /reminder/:name",
  "GET /reminder/:name",
  "POST /scheduler/:name/schedule?id=&inMs=&repeatMs=",
  "GET /scheduler/:name",
  "POST /flaky/:name/arm?failures=&inMs=0",
  "GET /flaky/:name",
  "POST /expiry/:name/touch?ttlMs= (body: value)",
  "POST /expiry/:name/update?ttlMs=&fields=10 (body: value)",
  "GET /expiry/:name",
  "POST /sql/:name/tick?inMs=",
  "GET /sql/:name",
  "POST /clobber/:name/set?inMs=",
  "GET /clobber/:name",
  "GET /:kind/:name/alarm",
  "GET /:kind/:name/storage",
] as const;

/**
 * What every example object offers for the two routes shared by all kinds. The entries are only passed on to
 * `Response.json` here, so their element type does not matter; it is left open because the RPC typings turn
 * the `[key, value]` tuples of `StorageEntry` into plain arrays on the calling side.
 */
interface Inspectable {
  alarmAt(): Promise<number | null>;
  storageEntries(): Promise<unknown[]>;
}

function isKind(value: string): value is Kind {
  return Object.hasOwn(KINDS, value);
}

function notFound(method: string, path: string): HttpError {
  return new HttpError(404, `no route for ${method} ${path}; valid routes: ${ROUTES.join(", ")}`);
}

/** Path segments, percent-decoded. Empty segments are ignored so a trailing slash does not change the route. */
function segments(url: URL): string[] {
  try {
    return url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in path ${url.pathname}`);
  }
}

/**
 * The object `name` of the given kind, seen only through what all kinds share. Spelled out per kind because
 * indexing `env` with a union of binding names asks the compiler to unify seven RPC stub types at once, which
 * exceeds its instantiation depth.
 */
function stubFor(env: Env, kind: Kind, name: string): Inspectable {
  switch (kind) {
    case "batcher":
      return env.BATCHER.getByName(name);
    case "cleaner":
      return env.CLEANER.getByName(name);
    case "reminder":
      return env.REMINDER.getByName(name);
    case "scheduler":
      return env.SCHEDULER.getByName(name);
    case "flaky":
      return env.FLAKY.getByName(name);
    case "expiry":
      return env.EXPIRY.getByName(name);
    case "sql":
      return env.SQL_COUNTER.getByName(name);
    case "clobber":
      return env.CLOBBER.getByName(name);
  }
}

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const parts = segments(url);

  if (parts.length === 0) {
    if (method !== "GET") throw notFound(method, url.pathname);
    return Response.json({ worker: "alarm-examples", kinds: Object.keys(KINDS), routes: ROUTES });
  }

  const [kind, name, action = "", ...extra] = parts;
  if (kind === undefined || !isKind(kind) || name === undefined || extra.length > 0) {
    throw notFound(method, url.pathname);
  }

  // Routes every kind shares: read-only views of the alarm and of key-value storage.
  if (method === "GET" && action === "alarm") {
    return Response.json({ alarm: await stubFor(env, kind, name).alarmAt() });
  }
  if (method === "GET" && action === "storage") {
    return Response.json({ entries: await stubFor(env, kind, name).storageEntries() });
  }

  const op = `${method} ${action}`;
  switch (kind) {
    case "batcher": {
      const stub = env.BATCHER.getByName(name);
      if (op === "POST add") {
        const delayMs = numberParam(url, "delayMs", { default: 10_000 });
        return Response.json(await stub.add(await request.text(), delayMs));
      }
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "cleaner": {
      const stub = env.CLEANER.getByName(name);
      // An interval of 0 would re-arm for "now" after every run and spin forever, hence min 1.
      if (op === "POST start") return Response.json(await stub.start(numberParam(url, "intervalMs", { min: 1 })));
      if (op === "POST tmp") return Response.json(await stub.addTmp(await request.text()));
      if (op === "POST stop") return Response.json(await stub.stop());
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "reminder": {
      const stub = env.REMINDER.getByName(name);
      if (op === "POST set") {
        const inMs = numberParam(url, "inMs");
        return Response.json(await stub.set(stringParam(url, "message", "reminder"), inMs));
      }
      if (op === "DELETE ") return Response.json(await stub.cancel());
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "scheduler": {
      const stub = env.SCHEDULER.getByName(name);
      if (op === "POST schedule") {
        const id = stringParam(url, "id");
        const inMs = numberParam(url, "inMs");
        // Same reasoning as the cleaner: a zero period would make the event due again on every run.
        const repeatMs = optionalNumberParam(url, "repeatMs", { min: 1 }) ?? null;
        return Response.json(await stub.schedule(id, inMs, repeatMs));
      }
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "flaky": {
      const stub = env.FLAKY.getByName(name);
      if (op === "POST arm") {
        const failures = numberParam(url, "failures");
        const inMs = numberParam(url, "inMs", { default: 0 });
        return Response.json(await stub.arm(failures, inMs));
      }
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "expiry": {
      const stub = env.EXPIRY.getByName(name);
      if (op === "POST touch") {
        const ttlMs = numberParam(url, "ttlMs");
        return Response.json(await stub.touch(await request.text(), ttlMs));
      }
      if (op === "POST update") {
        const ttlMs = numberParam(url, "ttlMs");
        const fields = numberParam(url, "fields", { default: 10, min: 0, max: 1000 });
        return Response.json(await stub.update(await request.text(), fields, ttlMs));
      }
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "sql": {
      const stub = env.SQL_COUNTER.getByName(name);
      if (op === "POST tick") return Response.json(await stub.tick(numberParam(url, "inMs")));
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
    case "clobber": {
      const stub = env.CLOBBER.getByName(name);
      if (op === "POST set") return Response.json(await stub.set(numberParam(url, "inMs")));
      if (op === "GET ") return Response.json(await stub.state());
      break;
    }
  }
  throw notFound(method, url.pathname);
}

export default {
  async fetch(request, env): Promise<Response> {
    try {
      return await route(request, env);
    } catch (error) {
      if (error instanceof HttpError) {
        return errorResponse(error.status, error.message, error.status === 404 ? { routes: ROUTES } : {});
      }
      // Anything else is a bug in an example (or an RPC failure); still answer in JSON so tests can read it.
      const message = error instanceof Error ? error.message : String(error);
      return errorResponse(500, message);
    }
  },
} satisfies ExportedHandler<Env>;
