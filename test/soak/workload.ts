/**
 * The soak's workload, generated from a seed before anything runs, so a plain run and an instrumented run of the same
 * seed send exactly the same requests at the same offsets.
 */
import { Random } from "./random";

/** One step of the workload. Requests go to the Worker; commands go through the inspector (instrumented run only). */
export type Step =
  | { at: number; kind: "set"; name: string; inMs: number; fails: number }
  | { at: number; kind: "delete"; name: string }
  | { at: number; kind: "put"; name: string; key: string; value: string }
  | { at: number; kind: "get"; name: string; key: string }
  | { at: number; kind: "fireNow"; name: string }
  | { at: number; kind: "failNext"; name: string }
  /** Append a line to the Worker's source: wrangler rebuilds and reloads the Worker (a hot reload). */
  | { at: number; kind: "reload" }
  /** Stop wrangler and start it again on the same state folder. */
  | { at: number; kind: "restart" }
  /** Drop the editor's connection and attach again a few seconds later. */
  | { at: number; kind: "disconnect"; forMs: number };

export interface WorkloadOptions {
  seed: number;
  minutes: number;
  objects: number;
  /** Requests and commands per second. */
  rate: number;
}

export const OBJECT_PREFIX = "o";

export function objectName(i: number): string {
  return `${OBJECT_PREFIX}${String(i).padStart(4, "0")}`;
}

/** Every few minutes, from `first`: the offsets (ms) of a periodic disruption that fit in the run. */
function every(first: number, period: number, durationMs: number, margin: number): number[] {
  const out: number[] = [];
  for (let t = first; t <= durationMs - margin; t += period) out.push(t);
  return out;
}

/** The steps of one soak, in time order. */
export function generate(o: WorkloadOptions): Step[] {
  const random = new Random(o.seed);
  const durationMs = Math.round(o.minutes * 60_000);
  const steps: Step[] = [];
  const gap = 1000 / o.rate;
  for (let at = 0; at < durationMs; at += gap) {
    const name = objectName(random.int(0, o.objects - 1));
    const t = Math.round(at);
    switch (random.pick({ set: 40, delete: 12, put: 15, get: 15, fireNow: 10, failNext: 8 })) {
      case "set": {
        // Mostly soon, some later (overwritten or deleted before they fire), some in the past (fire at once).
        const when = random.pick({ soon: 50, later: 30, past: 20 });
        const inMs = when === "soon" ? random.int(200, 3000) : when === "later" ? random.int(3000, 15_000) : -random.int(0, 5000);
        const fails = random.pick({ none: 75, one: 15, two: 10 });
        steps.push({ at: t, kind: "set", name, inMs, fails: fails === "none" ? 0 : fails === "one" ? 1 : 2 });
        break;
      }
      case "delete":
        steps.push({ at: t, kind: "delete", name });
        break;
      case "put":
        steps.push({ at: t, kind: "put", name, key: `k${random.int(0, 4)}`, value: `v${random.int(0, 1_000_000)}` });
        break;
      case "get":
        steps.push({ at: t, kind: "get", name, key: `k${random.int(0, 4)}` });
        break;
      case "fireNow":
        steps.push({ at: t, kind: "fireNow", name });
        break;
      case "failNext":
        steps.push({ at: t, kind: "failNext", name });
        break;
    }
  }
  // A hot reload every three minutes (the first a minute in), a disconnect every three minutes (the first 40 s in),
  // and in runs of four minutes or more a wrangler restart half-way.
  for (const at of every(60_000, 180_000, durationMs, 15_000)) steps.push({ at, kind: "reload" });
  for (const at of every(40_000, 180_000, durationMs, 15_000)) steps.push({ at, kind: "disconnect", forMs: 3000 });
  if (o.minutes >= 4) steps.push({ at: Math.round(durationMs / 2) + 5000, kind: "restart" });
  return steps.sort((a, b) => a.at - b.at);
}
