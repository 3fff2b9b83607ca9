/**
 * Edges of the documented alarm semantics, plain `wrangler dev` against `alarm-inspector dev` (each with fresh
 * state): an alarm time in the past, `getAlarm()` during the handler, a failing attempt and its retry, `setAlarm` and
 * `deleteAlarm()` inside a failing handler, `setAlarm` inside a handler that succeeds, and `setAlarm` on a class with
 * no alarm handler; `setAlarm` in the constructor of an object woken by its alarm; all six retries exhausted; then,
 * instrumented only, fire-now while an attempt runs and two fire-now at once. What each object saw (attempts,
 * `alarmInfo`, pending alarm) must be the same in both runs, and what the agent reported, and the extension's model
 * made of it (the runs and states the tree and timeline show), must match what the objects saw.
 *
 * One plain and one instrumented Worker serve the whole file, each object its own scenario. The six retries take
 * about two minutes of the runtime's own backoff, so that scenario is armed first, in `before`, on both Workers, and
 * checked last: the other edges run while it backs off.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AgentEvent, HelloMessage, WireEvent } from "../../protocol/protocol";
import { AlarmModel } from "../../extension/model/alarmModel";
import { runState } from "../../extension/model/runs";
import { cleanup, FIXTURES, json, launchOnFreePorts, plainWrangler, Recorder, tempDir, waitFor } from "./helpers";
import type { Launched } from "./helpers";

const DIR = join(FIXTURES, "alarm-edges");

interface Attempt {
  attempt: number;
  retryCount: number | null;
  isRetry: boolean | null;
  alarmDuring: "set" | null;
  alarmAfter?: "set" | null;
}
interface Report {
  log: Attempt[];
  pending: "set" | null;
  started: number;
}

/** Each edge: the object's name (also its mode), when its alarm is due, and how many attempts must at least run. */
const EDGES: { mode: string; inMs: number; atLeast: number }[] = [
  { mode: "past", inMs: -10_000, atLeast: 1 },
  { mode: "throw-once", inMs: 200, atLeast: 2 },
  { mode: "throw-then-set", inMs: 200, atLeast: 2 },
  { mode: "throw-then-delete", inMs: 200, atLeast: 1 },
  { mode: "set-in-handler", inMs: 200, atLeast: 2 },
];
/** Longer than the first retry's backoff (2 s in workerd): nothing changing for this long means the edge has settled. */
const QUIET_MS = 7000;

interface Outcome {
  edges: Record<string, Report>;
  noHandler: { arm: unknown; report: unknown };
}

async function runEdges(base: string): Promise<Outcome> {
  for (const e of EDGES) await json(`${base}/arm/${e.mode}?mode=${e.mode}&inMs=${e.inMs}`);
  const arm = await json(`${base}/arm-no-handler/nh?inMs=200`);
  const reports = async () => {
    const edges: Record<string, Report> = {};
    for (const e of EDGES) edges[e.mode] = await json<Report>(`${base}/report/${e.mode}`);
    return edges;
  };
  await waitFor("every edge's first attempts", async () => {
    const r = await reports();
    return EDGES.every((e) => r[e.mode]!.log.length >= e.atLeast);
  }, 60_000);
  // Then until nothing changes for a while: a retry that is due would have run by then.
  let last = "";
  let since = Date.now();
  const edges = await waitFor("the edges to settle", async () => {
    const r = await reports();
    const text = JSON.stringify(r);
    if (text !== last) [last, since] = [text, Date.now()];
    return Date.now() - since >= QUIET_MS ? r : undefined;
  }, 90_000);
  return { edges, noHandler: { arm, report: await json(`${base}/report-no-handler/nh`) } };
}

/** What the constructor-setter object saw: its attempts, its pending alarm (minutes ahead), how often it was built. */
interface CtorReport {
  log: Attempt[];
  pending: "set" | null;
  inMs: number | null;
  constructed: number;
  /** What the object told its witness, in order, before anything else touched it. */
  notes: string[];
}
/** The constructor's `setAlarm`: an hour ahead, so it never fires during the test and stays visible as pending. */
const CTOR_DELAY_MS = 3_600_000;

async function runCtorEdge(base: string): Promise<CtorReport> {
  const armed = await json<{ evicted: string }>(`${base}/arm-ctor/woken?inMs=1500&ctorDelay=${CTOR_DELAY_MS}`);
  assert.equal(armed.evicted, "evicted", "the object was reset, so its alarm wakes a new instance");
  // Asked through a witness: a request to the object itself would construct it (and set its alarm) before its alarm.
  const notes = async () => (await json<{ notes: string[] }>(`${base}/notes/woken-witness`)).notes;
  await waitFor("the alarm to wake the object", async () => (await notes()).length >= 1, 60_000);
  // Then until nothing more happens for a while (an alarm that ran, or a retry, would have by then).
  let last = "";
  let since = Date.now();
  const settled = await waitFor("the woken object to settle", async () => {
    const n = await notes();
    if (JSON.stringify(n) !== last) [last, since] = [JSON.stringify(n), Date.now()];
    return Date.now() - since >= QUIET_MS ? n : undefined;
  }, 60_000);
  return { ...(await json<Omit<CtorReport, "notes">>(`${base}/report-ctor/woken`)), notes: settled };
}

describe("conformance: edges of the alarm semantics, with and without the agent", function () {
  let plain: { url: string; stop(): Promise<void> };
  let plainState: string;
  let session: Launched;
  let rec: Recorder;
  /** The six-retries scenario, started on both Workers in `before` and checked by the last test. */
  let doomedPlain: Promise<Report>;
  let doomedInspected: Promise<Report>;

  /** 1 + 6 retries, backed off 2, 4, 8, 16, 32 and 64 s (with jitter): about two minutes. */
  const sixRetries = (base: string, recorder?: Recorder) => waitFor("the seventh attempt", async () => {
    const x = await json<Report>(`${base}/report/doomed`);
    if (x.log.length < 7 || x.pending !== null) return undefined;
    if (recorder && recorder.events.filter((e) => e.kind === "alarm.end" && e.object.name === "doomed").length < 7) return undefined;
    return x;
  }, 300_000);

  before(async function () {
    this.timeout(300_000);
    plainState = tempDir("edges-plain");
    [plain, session] = await Promise.all([plainWrangler(DIR, plainState), launchOnFreePorts(DIR)]);
    rec = await Recorder.connect(session.info);
    await Promise.all([json(`${plain.url}/arm/doomed?mode=always-throw&inMs=100`), json(`${session.url}/arm/doomed?mode=always-throw&inMs=100`)]);
    doomedPlain = sixRetries(plain.url);
    doomedInspected = sixRetries(session.url, rec);
    // Rejections are awaited by the last test; until then they must not count as unhandled.
    doomedPlain.catch(() => undefined);
    doomedInspected.catch(() => undefined);
  });

  after(async function () {
    this.timeout(60_000);
    rec?.close();
    await Promise.all([plain?.stop(), session?.stop()]);
    if (plainState) cleanup(plainState);
    if (session) cleanup(session.persistDir);
  });

  it("gives the same attempts, alarmInfo and pending alarms, and the agent reports exactly the attempts that ran", async function () {
    this.timeout(400_000);
    const hello: HelloMessage = rec.client.hello!;
    const [a, b] = await Promise.all([runEdges(plain.url), runEdges(session.url)]);
    const events: WireEvent[] = [...rec.events];

    // The documented semantics, on the plain run, so the comparison below compares something.
    const past = a.edges.past!;
    assert.deepEqual(past.log, [{ attempt: 1, retryCount: 0, isRetry: false, alarmDuring: null, alarmAfter: null }], "an alarm in the past runs once, at once; getAlarm() is null during the handler");
    assert.equal(past.pending, null);
    const once = a.edges["throw-once"]!;
    assert.deepEqual(once.log.map((x) => [x.retryCount, x.isRetry]), [[0, false], [1, true]], "a failed attempt is retried, and the retry says so");
    const setIn = a.edges["set-in-handler"]!;
    assert.deepEqual([setIn.log[0]!.alarmDuring, setIn.log[0]!.alarmAfter], [null, "set"], "getAlarm() in the handler is null until the handler sets an alarm again");
    assert.ok(setIn.log.length >= 2);
    assert.match(String((a.noHandler.arm as { threw?: string }).threw), /must have an alarm\(\) handler/, "setAlarm on a class without a handler throws");
    assert.deepEqual(b, a, "the objects saw something else with the agent");
    // What the agent said is what happened: one alarm.start per attempt the object logged, with its alarmInfo, and
    // an alarm.end whose outcome is the attempt's (the first attempt of the throw-* edges fails, all others succeed).
    for (const e of EDGES) {
      const about = (kind: AgentEvent["kind"]) => events.filter((x) => x.kind === kind && x.object.className === "Edge" && x.object.name === e.mode);
      const starts = about("alarm.start") as Extract<AgentEvent, { kind: "alarm.start" }>[];
      const ends = about("alarm.end") as Extract<AgentEvent, { kind: "alarm.end" }>[];
      const log = b.edges[e.mode]!.log;
      assert.deepEqual(starts.map((s) => s.alarmInfo && [s.alarmInfo.retryCount, s.alarmInfo.isRetry]), log.map((x) => [x.retryCount, x.isRetry]), `${e.mode}: alarm.start events`);
      const expected = log.map((x) => (x.attempt === 1 && e.mode.startsWith("throw") ? "error" : "ok"));
      assert.deepEqual(ends.map((x) => x.outcome), expected, `${e.mode}: alarm.end outcomes`);
      // The trigger shown for each attempt is what the runtime said.
      assert.deepEqual(starts.map((s) => s.trigger), log.map((x) => (x.isRetry ? "retry" : "scheduled")), `${e.mode}: triggers`);
    }
    // What the agent predicted after each failure is what the runtime then did.
    const failed = (mode: string) => events.find((x): x is Extract<AgentEvent, { kind: "alarm.end" }> => x.kind === "alarm.end" && x.object.name === mode && x.outcome === "error")!;
    assert.deepEqual([failed("throw-once").retry?.willRetry, failed("throw-once").retry?.nextRetryCount], ["yes", 1]);
    assert.equal(b.edges["throw-once"]!.log[1]!.retryCount, 1);
    assert.equal(failed("throw-then-set").retry?.willRetry, "replaced");
    assert.equal(b.edges["throw-then-set"]!.log[1]!.isRetry, false, "the alarm the failing attempt set ran instead of a retry");
    assert.equal(failed("throw-then-delete").retry?.willRetry, "maybe", "deleteAlarm() in a failing handler stops retries only on a best-effort basis");
    // What the extension's model makes of those events (the tree and the timeline show the model).
    const model = new AlarmModel();
    model.applyHello(hello, Date.now());
    model.applyEvents(events);
    const now = Date.now();
    const shown: Record<string, unknown> = {};
    for (const e of EDGES) {
      const obj = model.findObject("Edge", e.mode)!;
      shown[e.mode] = { runs: obj.runs.map((r) => [runState(r), r.attempts.length]), status: model.status(obj, now).status, pending: obj.currentAlarm.scheduledTime === null ? null : "set" };
    }
    assert.deepEqual(shown, {
      past: { runs: [["succeeded", 1]], status: "succeeded", pending: null },
      "throw-once": { runs: [["succeeded", 2]], status: "succeeded", pending: null },
      "throw-then-set": { runs: [["replaced", 1], ["succeeded", 1]], status: "succeeded", pending: null },
      // No retry ran after the deleteAlarm (the objects' logs say so): the model must not show one pending.
      "throw-then-delete": { runs: [["failed", 1]], status: "failed", pending: null },
      "set-in-handler": { runs: [["succeeded", 1], ["succeeded", 1]], status: "succeeded", pending: null },
    }, "what the tree shows for each edge");
    for (const e of EDGES) assert.equal(b.edges[e.mode]!.pending, null, `${e.mode}: no alarm is pending, as the model says`);
    assert.equal(b.edges["throw-then-delete"]!.log.length, 1);
    // A class without a handler: whatever setAlarm did without the agent, it did the same with it (compared above),
    // and no attempt was reported on it.
    assert.equal(events.filter((x) => x.kind === "alarm.start" && x.object.className === "NoHandler").length, 0);
  });

  it("fire-now while an attempt runs, and two fire-now at once: the attempts shown are the attempts that ran", async function () {
    this.timeout(300_000);
    const base = session.url;
    const report = (name: string) => json<Report>(`${base}/report/${name}`);
    const fireNow = (name: string) => rec.client.send({ op: "fireNow", target: { className: "Edge", name } });
    const attempts = (name: string) => rec.events.filter((x): x is Extract<AgentEvent, { kind: "alarm.start" }> => x.kind === "alarm.start" && x.object.name === name);

    // While a slow attempt runs, fire-now sets a new alarm: it runs after the running one ends, as its own attempt.
    await json(`${base}/arm/busy?mode=slow&inMs=100`);
    await waitFor("the slow attempt to start", async () => (await report("busy")).started === 1, 30_000);
    await fireNow("busy");
    const busy = await waitFor("the fired attempt", async () => {
      const r = await report("busy");
      return r.log.length === 2 ? r : undefined;
    }, 30_000);
    assert.equal(busy.log[1]!.isRetry, false);
    await waitFor("the agent's report of both attempts", () => rec.events.filter((x) => x.kind === "alarm.end" && x.object.name === "busy").length === 2);
    assert.deepEqual(attempts("busy").map((x) => x.trigger), ["scheduled", "fireNow"]);

    // Two fire-now at once on an object with no alarm: one alarm per object, so one attempt, or two when the first
    // had already started when the second set the alarm again. Either way, every attempt shown ran, as fire-now.
    await json(`${base}/arm/twice?mode=log&inMs=NaN`);
    await Promise.all([fireNow("twice"), fireNow("twice")]);
    await waitFor("a fired attempt", async () => (await report("twice")).log.length >= 1, 30_000);
    let last = -1;
    let since = Date.now();
    const twice = await waitFor("no more attempts", async () => {
      const r = await report("twice");
      if (r.log.length !== last) [last, since] = [r.log.length, Date.now()];
      return Date.now() - since >= QUIET_MS ? r : undefined;
    }, 60_000);
    assert.ok(twice.log.length >= 1 && twice.log.length <= 2, JSON.stringify(twice));
    await waitFor("the agent's report", () => rec.events.filter((x) => x.kind === "alarm.end" && x.object.name === "twice").length === twice.log.length);
    assert.deepEqual(attempts("twice").map((x) => x.trigger), twice.log.map(() => "fireNow"));
    assert.equal(twice.pending, null);

    // And the model the tree and timeline show: one run per attempt, each with the trigger that started it.
    const model = new AlarmModel();
    model.applyHello(rec.client.hello!, Date.now());
    model.applyEvents(rec.events);
    const runsOf = (name: string) => model.findObject("Edge", name)!.runs.map((r) => [r.trigger, runState(r), r.attempts.length]);
    assert.deepEqual(runsOf("busy"), [["scheduled", "succeeded", 1], ["fireNow", "succeeded", 1]]);
    assert.deepEqual(runsOf("twice"), twice.log.map(() => ["fireNow", "succeeded", 1]));
  });

  it("setAlarm in the constructor of an object woken by its alarm: the same with the agent, and the model shows the constructor's alarm", async function () {
    this.timeout(120_000);
    const [a, b] = await Promise.all([runCtorEdge(plain.url), runCtorEdge(session.url)]);
    // What the runtime does (plain): the alarm wakes a fresh instance, whose constructor moves the alarm an hour on;
    // the alarm that woke it never runs. The docs' pitfall, shown as it happens.
    assert.deepEqual(a, { log: [], pending: "set", inMs: CTOR_DELAY_MS, constructed: 1, notes: ["constructed, alarm set"] });
    assert.deepEqual(b, a, "the object saw something else with the agent");
    await waitFor("the agent's report of the constructor's setAlarm", () => rec.events.some((x) => x.kind === "alarm.set" && x.object.className === "CtorSetter" && x.inConstructor));
    const sets = rec.events.filter((x): x is Extract<AgentEvent, { kind: "alarm.set" }> => x.kind === "alarm.set" && x.object.className === "CtorSetter");
    assert.deepEqual(sets.map((x) => [x.inConstructor, x.previous === null ? null : "replaced"]), [[false, null], [true, "replaced"]], "the constructor's setAlarm is reported as such, replacing the alarm that woke the object");
    assert.equal(sets[1]!.previous, sets[0]!.scheduledTime);
    const kinds = rec.events.filter((x) => x.object.className === "CtorSetter").map((x) => x.kind);
    assert.equal(kinds.filter((k) => k === "object.start").length, 2, "built for the arm request, then woken by its alarm");
    assert.ok(!kinds.includes("alarm.start"), "no attempt reported: none ran");
    // And the model (what the tree and timeline show): no run, the constructor's alarm pending, the clobber counted.
    const model = new AlarmModel();
    model.applyHello(rec.client.hello!, Date.now());
    model.applyEvents(rec.events);
    const obj = model.findObject("CtorSetter", "woken")!;
    const now = Date.now();
    const shown = {
      runs: obj.runs.length,
      pending: obj.currentAlarm.scheduledTime === null ? null : "set",
      inMs: obj.currentAlarm.scheduledTime === null ? null : Math.round((obj.currentAlarm.scheduledTime - now) / 60_000) * 60_000,
      constructorOverwrites: obj.counts.constructorOverwrites,
      status: model.status(obj, now).status,
    };
    assert.deepEqual(shown, { runs: 0, pending: "set", inMs: CTOR_DELAY_MS, constructorOverwrites: 1, status: "scheduled" });
  });

  it("abandons an alarm after six failed retries, and shows it so (armed first, in before: about two minutes of backoff)", async function () {
    this.timeout(400_000);
    const [a, b] = await Promise.all([doomedPlain, doomedInspected]);
    assert.deepEqual(a.log.map((x) => x.retryCount), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(b, a, "the attempts differ with the agent");
    const ends = rec.events.filter((x): x is Extract<AgentEvent, { kind: "alarm.end" }> => x.kind === "alarm.end" && x.object.name === "doomed");
    assert.deepEqual(ends.map((x) => x.retry?.willRetry), ["yes", "yes", "yes", "yes", "yes", "yes", "no"], "the last failure is reported as abandoned");
    const model = new AlarmModel();
    model.applyHello(rec.client.hello!, Date.now());
    model.applyEvents(rec.events);
    const obj = model.findObject("Edge", "doomed")!;
    assert.deepEqual(obj.runs.map((r) => [runState(r), r.attempts.length]), [["abandoned", 7]]);
    assert.equal(model.status(obj, Date.now()).status, "abandoned");
  });
});
