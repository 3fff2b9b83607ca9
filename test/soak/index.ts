/**
 * The soak (`npm run soak -- --minutes N`, and a two-minute run in the runtime tier): a seeded workload of requests,
 * alarms and inspector commands on hundreds of objects, with hot reloads, a client disconnect and (in longer runs) a
 * wrangler restart, driven at once against plain `wrangler dev` and `alarm-inspector dev` with the extension's real
 * connection and model attached. The objects' own logs of the attempts they ran are the ground truth; the figures say
 * how far the model strayed from it, what was lost, what the model's memory did, and whether the Worker answered
 * anything differently with the inspector.
 */
import { setFlagsFromString } from "node:v8";
import { getHeapStatistics } from "node:v8";
import { runInNewContext } from "node:vm";
import { waitFor } from "../runtime/helpers";
import { drive } from "./drive";
import type { Answer, DriveTally } from "./drive";
import { Feed } from "./feed";
import { startTarget } from "./targets";
import type { Target } from "./targets";
import { generate, objectName } from "./workload";
import type { WorkloadOptions } from "./workload";

export type SoakOptions = WorkloadOptions;

export const DEFAULT_SOAK: SoakOptions = { seed: 15, minutes: 2, objects: 200, rate: 10 };

/** One attempt as the object logged it. */
interface TruthAttempt {
  retryCount: number | null;
  isRetry: boolean | null;
  /** When it began, by workerd's clock (this machine's). */
  at: number;
}
interface Truth {
  attempts: TruthAttempt[];
  pending: boolean;
}

export interface SoakFigures {
  options: SoakOptions;
  steps: number;
  inspected: DriveTally;
  plain: DriveTally;
  objectsTouched: number;
  /** Attempts the objects logged (the ground truth). */
  truthAttempts: number;
  /** Attempts of the user's handler the model shows (injected failures, which never reach it, apart). */
  modelAttempts: number;
  injectedFailures: number;
  /** Attempts logged by an object and absent from the model, outside any restart. Goal 0. */
  missing: number;
  /**
   * Attempts logged by an object and absent from the model that began while the inspected runtime was being stopped
   * or started (a restart): events the agent recorded in a process that died before it could send them.
   */
  missingAtRestart: number;
  /** Attempts the model shows more often than the object logged them. Goal 0. */
  doubled: number;
  /** Objects whose attempts the model lists in another order than the object logged them. */
  reordered: number;
  /** The first objects where the model and the object disagree: what each says (retryCount/isRetry per attempt). */
  disagreements: { name: string; truth: string[]; model: string[] }[];
  eventsReceived: number;
  /** Events the agent announced lost (`dropped` markers). */
  droppedAnnounced: number;
  /** Seqs that never arrived and no marker announced. */
  droppedSilently: number;
  duplicatesIgnored: number;
  agentSessions: number;
  connects: number;
  bufferSize: number;
  modelEvents: number;
  heapStartBytes: number;
  heapEndBytes: number;
  /** Requests whose answer differed between the plain and the inspected Worker. Goal 0. */
  answersDiffering: number;
  answersCompared: number;
  firstDifferences: { step: number; plain: Answer; inspected: Answer }[];
  /** Objects still holding an alarm when the soak stopped waiting (their attempts may be incomplete in both). */
  stillPending: number;
  wallSeconds: number;
}

/** Heap in use after a full collection: `gc` is exposed for this process only when it is not already. */
function heapUsed(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

async function truths(target: Target, names: readonly string[]): Promise<Map<string, Truth>> {
  const out = new Map<string, Truth>();
  // A few at a time: hundreds of objects, each a wake-up of a Durable Object.
  for (let i = 0; i < names.length; i += 20) {
    const batch = names.slice(i, i + 20);
    const got = await Promise.all(batch.map(async (n) => {
      const r = await fetch(`${target.url()}/truth/${n}`, { signal: AbortSignal.timeout(30_000) });
      return (await r.json()) as Truth;
    }));
    batch.forEach((n, j) => out.set(n, got[j]!));
  }
  return out;
}

/** Waits until no object has an alarm pending and nothing changed between two reads, or two minutes passed. */
async function settle(target: Target, names: readonly string[]): Promise<Map<string, Truth>> {
  let last = "";
  let result = new Map<string, Truth>();
  try {
    await waitFor(`the ${target.label} objects' alarms to settle`, async () => {
      result = await truths(target, names);
      const text = JSON.stringify([...result]);
      const quiet = text === last && [...result.values()].every((t) => !t.pending);
      last = text;
      if (!quiet) await new Promise((r) => setTimeout(r, 3000));
      return quiet;
    }, 120_000);
  } catch {
    // Reported as stillPending: a retry chain longer than the wait, counted rather than thrown.
  }
  return result;
}

function key(a: { retryCount: number | null; isRetry: boolean | null }): string {
  return `${a.retryCount}/${a.isRetry}`;
}

/** How far apart (ms) an attempt the object logged and one the model shows may begin and still be the same attempt. */
const SAME_ATTEMPT_MS = 5000;

/** An attempt that began this long before a restart's stop still counts as "during the restart". */
const RESTART_MARGIN_MS = 2000;

/**
 * Pairs each attempt an object logged with the attempt the model shows for it: the same alarmInfo and the nearest
 * start within `SAME_ATTEMPT_MS`. Returns the object's attempts left without a partner (missing from the model) and
 * how many of the model's were left (doubled). Matching by time as well as by alarmInfo tells which attempt went
 * missing, so a loss can be put beside what the soak did at that moment (a restart).
 */
function matchAttempts(truth: readonly TruthAttempt[], shown: readonly { key: string; at: number }[]): { truth: TruthAttempt[]; shown: number } {
  const used = new Set<number>();
  const left: TruthAttempt[] = [];
  for (const a of [...truth].sort((x, y) => x.at - y.at)) {
    const k = key(a);
    let best = -1;
    for (let j = 0; j < shown.length; j++) {
      const s = shown[j]!;
      if (used.has(j) || s.key !== k || Math.abs(s.at - a.at) > SAME_ATTEMPT_MS) continue;
      if (best < 0 || Math.abs(s.at - a.at) < Math.abs(shown[best]!.at - a.at)) best = j;
    }
    if (best < 0) left.push(a);
    else used.add(best);
  }
  return { truth: left, shown: shown.length - used.size };
}

export async function runSoak(options: Partial<SoakOptions> = {}, log: (line: string) => void = () => {}): Promise<SoakFigures> {
  const o: SoakOptions = { ...DEFAULT_SOAK, ...options };
  const began = Date.now();
  const steps = generate(o);
  const names = [...new Set(steps.flatMap((s) => ("name" in s ? [s.name] : [])))].sort();
  log(`soak: seed ${o.seed}, ${o.minutes} min, ${names.length} objects, ${steps.length} steps`);
  const heapStartBytes = heapUsed();
  const [plain, inspected] = await Promise.all([startTarget("plain"), startTarget("inspected")]);
  const feed = new Feed(inspected);
  try {
    await feed.attach();
    const bufferSize = feed.connection.hello?.bufferSize ?? 0;
    log("soak: both Workers up, the model attached; driving");
    // The plain run skips the inspector's commands, reloads and restarts the same way, and answers the same requests.
    const plainSteps = steps.filter((s) => s.kind !== "fireNow" && s.kind !== "failNext" && s.kind !== "disconnect");
    const [p, i] = await Promise.all([drive(plain, plainSteps), drive(inspected, steps, feed)]);
    log(`soak: workload done (${i.tally.requests} requests, ${i.tally.commandsOk} commands); waiting for the alarms to settle`);
    const truth = await settle(inspected, names);
    // The last events of the last attempts: give the pump a moment, and the connection its reconnect.
    await waitFor("the connection to be up at the end", () => feed.connection.state.kind === "connected", 30_000);
    await new Promise((r) => setTimeout(r, 2000));

    let truthAttempts = 0;
    let modelAttempts = 0;
    let injectedFailures = 0;
    let missing = 0;
    let doubled = 0;
    let reordered = 0;
    let stillPending = 0;
    const disagreements: SoakFigures["disagreements"] = [];
    const restarts = i.tally.restartTimes;
    const atRestart = (at: number) => restarts.some((r) => at >= r.from - RESTART_MARGIN_MS && at <= r.from + r.stopMs + r.startMs);
    let missingAtRestart = 0;
    for (const name of names) {
      const t = truth.get(name) ?? { attempts: [], pending: false };
      if (t.pending) stillPending++;
      const shown = feed.model.findObject("Soak", name)?.runs.flatMap((r) => r.attempts) ?? [];
      const user = shown.filter((a) => !a.injectedFailure);
      injectedFailures += shown.length - user.length;
      truthAttempts += t.attempts.length;
      modelAttempts += user.length;
      const shownKeys = user.map((a) => key({ retryCount: a.alarmInfo?.retryCount ?? null, isRetry: a.alarmInfo?.isRetry ?? null }));
      const unmatched = matchAttempts(t.attempts, user.map((a, k) => ({ key: shownKeys[k]!, at: a.startedAt })));
      for (const a of unmatched.truth) {
        if (atRestart(a.at)) missingAtRestart++;
        else missing++;
      }
      doubled += unmatched.shown;
      const agree = unmatched.truth.length === 0 && unmatched.shown === 0;
      const order = (xs: string[]) => xs.join(",");
      if (agree && order(shownKeys) !== order(t.attempts.map(key))) reordered++;
      if (!agree && disagreements.length < 10) {
        disagreements.push({ name, truth: t.attempts.map((a) => `${key(a)}@${a.at}`), model: user.map((a, k) => `${shownKeys[k]}@${a.startedAt}`) });
      }
    }

    const firstDifferences: SoakFigures["firstDifferences"] = [];
    let answersDiffering = 0;
    const compared = Math.min(p.answers.length, i.answers.length);
    for (let k = 0; k < compared; k++) {
      const [a, b] = [p.answers[k]!, i.answers[k]!];
      if (a.status === b.status && a.body === b.body) continue;
      answersDiffering++;
      if (firstDifferences.length < 5) firstDifferences.push({ step: k, plain: a, inspected: b });
    }
    const stats = feed.model.stats;
    const figures: SoakFigures = {
      options: o,
      steps: steps.length,
      inspected: i.tally,
      plain: p.tally,
      objectsTouched: names.length,
      truthAttempts,
      modelAttempts,
      injectedFailures,
      missing,
      missingAtRestart,
      doubled,
      reordered,
      disagreements,
      eventsReceived: feed.received,
      droppedAnnounced: stats.droppedByAgent,
      droppedSilently: feed.silentGaps(),
      duplicatesIgnored: stats.duplicates,
      agentSessions: feed.agentSessions,
      connects: feed.connects,
      bufferSize,
      modelEvents: feed.model.totalEvents,
      heapStartBytes,
      heapEndBytes: heapUsed(),
      answersDiffering: answersDiffering + Math.abs(p.answers.length - i.answers.length),
      answersCompared: compared,
      firstDifferences,
      stillPending,
      wallSeconds: Math.round((Date.now() - began) / 1000),
    };
    return figures;
  } finally {
    feed.dispose();
    await Promise.all([plain.dispose(), inspected.dispose()]);
  }
}

/** The figures as lines a person reads (what `npm run soak` prints). */
export function describeFigures(f: SoakFigures): string[] {
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  return [
    `seed ${f.options.seed}, ${f.options.minutes} min, ${f.objectsTouched} objects, ${f.options.rate} steps/s: ${f.steps} steps (${f.wallSeconds} s wall)`,
    `inspected: ${f.inspected.requests} requests (${f.inspected.resent} resent during reloads), commands ${f.inspected.commandsOk} ok / ${f.inspected.commandsRefused} refused / ${f.inspected.commandsSkipped} skipped while disconnected, ${f.inspected.reloads} hot reloads, ${f.inspected.restarts} restarts, ${f.inspected.disconnects} disconnects; most behind schedule ${f.inspected.maxLagMs} ms`,
    `ground truth: ${f.truthAttempts} attempts logged by the objects; model: ${f.modelAttempts} (+${f.injectedFailures} injected failures)`,
    `attempts missing from the model: ${f.missing} (and ${f.missingAtRestart} that began during a restart); doubled: ${f.doubled}; objects reordered: ${f.reordered}; objects still pending at the end: ${f.stillPending}${f.disagreements.length ? `; where: ${JSON.stringify(f.disagreements)}` : ""}`,
    ...(f.inspected.restartTimes.length ? [`restarts (stop + start): ${f.inspected.restartTimes.map((r) => `${(r.stopMs / 1000).toFixed(1)} s + ${(r.startMs / 1000).toFixed(1)} s`).join(", ")}`] : []),
    `events: ${f.eventsReceived} received over ${f.connects} connections and ${f.agentSessions} agent sessions; dropped: ${f.droppedAnnounced} announced, ${f.droppedSilently} silent (buffer ${f.bufferSize}); ${f.duplicatesIgnored} replayed duplicates ignored`,
    `model: ${f.modelEvents} events held; heap ${mb(f.heapStartBytes)} at start, ${mb(f.heapEndBytes)} at end`,
    `answers: ${f.answersDiffering} of ${f.answersCompared} differ between plain and inspected${f.firstDifferences.length ? `: ${JSON.stringify(f.firstDifferences)}` : ""}`,
  ];
}

export { objectName };
