/**
 * Benchmark: the extension's model ingesting 1,000,000 agent events (Node), with the retention the extension uses by
 * default. Two figures: ingest time (goal ≤ 1 s) and the heap the model keeps afterwards (goal ≤ 150 MB). Prints
 * them, appends them as JSON lines to the file named by `BENCH_ROWS` when set, and asserts nothing (exit 0 either way).
 *
 *   esbuild test/bench/model.bench.ts --bundle --platform=node --format=cjs --target=node18 --outfile=out/bench/model.bench.cjs
 *   node --expose-gc out/bench/model.bench.cjs [--quick] [--runs 5] [--pump-ms 0]
 *   BENCH_ROWS=out/bench/rows.jsonl node --expose-gc out/bench/model.bench.cjs
 *
 * (Without `--expose-gc` the script restarts itself with it: the memory figure needs `global.gc()`.) `--quick`: two
 * runs instead of five. `--pump-ms 25`: frames as the hub's interval sends them (its fallback), instead of at once.
 *
 * The input is what a busy `wrangler dev` session sends: 2,000 objects of four classes (reminders, a batcher, a
 * flaky job that fails and retries, an SQLite cleaner that re-arms its alarm in the handler), recorded into the
 * agent's real `EventBuffer` and read out by a simulated client as the hub sends them (at once after each record,
 * so one frame per moment with activity; up to 500 events a frame when catching up), serialized as the socket
 * carries them. Two disconnections (the reconnected client gets the buffer again; after the longer one, a `dropped`
 * marker first) and one Worker reload (a second session, seqs from 1). All of it is built before anything is timed;
 * `JSON.parse` of each frame, and putting back the object references of numbered frames, is the client's work and
 * stays outside the timed region. The frames number their objects as the hub does for the extension (`--full-refs`:
 * every event carrying its reference).
 *
 * Timings on a shared machine move with its load: the load average is printed beside the figures.
 */
import { spawnSync } from "node:child_process";
import { goalRow, infoRow, printRow } from "./rows.mjs";
import { availableParallelism, loadavg } from "node:os";
import { GCProfiler } from "node:v8";
import { isEventsMessage, isHello, MAX_ALARM_RETRIES, PROTOCOL_VERSION, retryWindow } from "../../protocol/protocol";
import type { AlarmInfoCopy, ClassInfo, HelloMessage, ObjectRef, RetryInfo, UnsequencedEvent, ValuePreview, WireEvent } from "../../protocol/protocol";
import { EventBuffer } from "../../worker-agent/eventBuffer";
import { AlarmModel } from "../../extension/model/alarmModel";
import { EventBatch, MAX_BATCH_EVENTS } from "../../extension/connection/eventBatch";
import { ObjectIndexer, ObjectTable } from "../../protocol/objectIndex";

// ───────────────────────────── parameters ─────────────────────────────

const TOTAL_EVENTS = 1_000_000;
const OBJECTS = 2_000;
/** The agent's defaults: `EVENTS_PER_FRAME` in worker-agent/hubClients.ts, the launcher's `--buffer`. */
const EVENTS_PER_FRAME = 500;
const BUFFER_SIZE = 10_000;
/** What the extension passes (extension.ts: `maxEventsPerObject` from the settings, whose default is 500); the rest are the model's defaults. */
const EXTENSION_MODEL_OPTIONS = { maxEventsPerObject: 500 } as const;
const GOAL_MS = 1_000;
const GOAL_MB = 150;
/** workerd evicts an idle object after some seconds; the next request or alarm constructs it again (`object.start`). */
const IDLE_EVICT_MS = 30_000;
const WORKER = "alarm-lab";

const argv = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}
const RUNS = Math.max(1, Math.floor(option("--runs", argv.includes("--quick") ? 2 : 5)));
/**
 * How the hub sends: at once after each record by default (`--pump-ms 0`: the hub's `changedSince` wake-up), which
 * makes a frame per moment with activity; or every `--pump-ms` ms, as its interval does when wake-ups cannot reach it.
 */
const PUMP_MS = option("--pump-ms", 0);
/**
 * The client joins frames that arrive in one turn of the extension host's event loop (extension/connection/eventBatch.ts).
 * Here every frame is queued at once, the catching-up case, so every batch is full. `--per-frame`: one model call per
 * frame, as before the client batched (the case of frames that each arrive alone, in a quiet turn).
 */
const PER_FRAME = argv.includes("--per-frame");
/**
 * The extension asks for numbered objects (protocol/objectIndex.ts): each frame names its objects by number and the
 * client puts the references back, one object per object, before the model. `--full-refs`: frames as a client that
 * did not ask gets them, every event carrying its reference (as before the extension asked).
 */
const FULL_REFS = argv.includes("--full-refs");

// ───────────────────────────── a deterministic agent session ─────────────────────────────

/** Mulberry32: seeded, so every run of the bench measures the same events. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES = ["Reminder", "Batcher", "FlakyJob", "PeriodicCleaner"] as const;
type ClassName = (typeof CLASSES)[number];

const CLASS_INFO: ClassInfo[] = CLASSES.map((className) => ({ className, binding: className.toUpperCase(), sqlite: className === "PeriodicCleaner" }));

/** A call site as the agent sends it: the user's frames below the agent's wrapper, as workerd prints them. */
function site(className: ClassName, method: string, line: number): { stack: string } {
  const file = `file:///home/dev/alarm-lab/src/${className[0]?.toLowerCase()}${className.slice(1)}.ts`;
  return {
    stack: [
      `    at ${className}.${method} (${file}:${line}:${11 + (line % 7)})`,
      `    at ${className}.fetch (${file}:${line - 12}:20)`,
      `    at async Object.fetch (file:///home/dev/alarm-lab/src/index.ts:31:14)`,
      `    at async jsonError (file:///home/dev/alarm-lab/node_modules/wrangler/templates/middleware/middleware-miniflare3-json-error.ts:22:10)`,
    ].join("\n"),
  };
}

function json(value: unknown): ValuePreview {
  const text = JSON.stringify(value);
  return text.length > 200 ? { kind: "json", text: text.slice(0, 200), truncated: true } : { kind: "json", text, truncated: false };
}

/** One object's life, as a state machine that emits its events in time order, one episode (request or alarm run) at a time. */
class ObjectSim {
  readonly ref: ObjectRef;
  /** Events of the current episode not yet handed out, in time order. */
  queue: UnsequencedEvent[] = [];
  head = 0;
  private clock: number;
  private lastActive = Number.NEGATIVE_INFINITY;
  private pending: number | null = null;
  /** The retry the runtime will make after a failure: its count and when it will start. */
  private retry: { count: number; at: number; scheduled: number } | null = null;
  private nextRequest: number;
  private serial = 0;
  private held: string[] = [];

  constructor(
    readonly cls: ClassName,
    n: number,
    private readonly rnd: () => number,
    /** Mean time between requests; log-uniform across objects (0.25× to 4× of 30 s), so some objects are hot. */
    private readonly requestGap: number,
    start: number,
  ) {
    const id = (n + 1).toString(16).padStart(8, "0") + (Math.imul(n + 7, 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(7);
    // Objects addressed by name carry it; FlakyJob objects come from newUniqueId() and have none.
    this.ref = cls === "FlakyJob" ? { className: cls, id } : { className: cls, id, name: `${cls.toLowerCase()}-${n}` };
    this.clock = start;
    this.nextRequest = start + rnd() * requestGap;
  }

  /** Time of the next event, generating the next episode when the current one is spent. */
  peek(): number {
    if (this.head >= this.queue.length) this.episode();
    return (this.queue[this.head] as UnsequencedEvent).at;
  }

  take(): UnsequencedEvent {
    this.peek();
    return this.queue[this.head++] as UnsequencedEvent;
  }

  /** The Worker reloaded: every object is constructed again on its next event. */
  reload(): void {
    this.lastActive = Number.NEGATIVE_INFINITY;
  }

  private episode(): void {
    this.queue = [];
    this.head = 0;
    const due = this.retry !== null ? this.retry.at : this.pending;
    if (due !== null && due <= this.nextRequest) {
      this.alarmRun(Math.max(due + 2 + Math.floor(this.rnd() * 30), this.clock + 1));
    } else {
      this.request(Math.max(Math.round(this.nextRequest), this.clock + 1));
      this.nextRequest += -Math.log(1 - this.rnd()) * this.requestGap;
    }
    for (const e of this.queue) e.at = Math.round(e.at);
    this.clock = (this.queue[this.queue.length - 1] as UnsequencedEvent).at;
    this.lastActive = this.clock;
  }

  private push(e: UnsequencedEvent): void {
    this.queue.push(e);
  }

  /** `object.start` when the object was asleep; the cleaner arms its alarm in the constructor when none is set. */
  private wake(at: number): void {
    if (at - this.lastActive <= IDLE_EVICT_MS) return;
    const object = this.ref;
    this.push({ kind: "object.start", at, object });
    if (this.cls === "PeriodicCleaner" && this.pending === null && this.retry === null) {
      const scheduledTime = at + 60_000;
      this.push({ kind: "alarm.set", at, object, scheduledTime, previous: null, origin: "user", inHandler: false, inConstructor: true, callSite: site(this.cls, "constructor", 14) });
      this.pending = scheduledTime;
    }
  }

  private setAlarm(at: number, scheduledTime: number, inHandler: boolean, line: number): void {
    const previous = inHandler ? null : this.pending;
    this.push({ kind: "alarm.set", at, object: this.ref, scheduledTime, previous, origin: "user", inHandler, inConstructor: false, callSite: site(this.cls, inHandler ? "alarm" : "schedule", line) });
    this.pending = scheduledTime;
    this.retry = null;
  }

  private request(at: number): void {
    const object = this.ref;
    const r = this.rnd;
    this.wake(at);
    const k = ++this.serial;
    switch (this.cls) {
      case "Reminder": {
        if (this.held.length > 0 && r() < 0.1) {
          // Cancel one reminder; the alarm goes when none is left.
          const key = this.held.shift() as string;
          this.push({ kind: "storage.delete", at: at + 1, object, keys: [key], omitted: 0, origin: "user", inHandler: false, callSite: site(this.cls, "cancel", 58) });
          if (this.held.length === 0 && this.pending !== null) {
            this.push({ kind: "alarm.delete", at: at + 2, object, previous: this.pending, origin: "user", inHandler: false, callSite: site(this.cls, "cancel", 60) });
            this.pending = null;
          }
          break;
        }
        const dueAt = at + 2_000 + Math.floor(r() * 40_000);
        const key = `reminder:${k}`;
        this.held.push(key);
        this.push({ kind: "storage.put", at: at + 1, object, entries: [{ key, value: json({ text: `Call back about invoice #${1000 + k}`, dueAt, channel: "email" }) }], omitted: 0, origin: "user", inHandler: false, callSite: site(this.cls, "schedule", 41) });
        // Reschedule only when the new reminder is due first (the others overwrite nothing).
        if (this.pending === null || dueAt < this.pending) this.setAlarm(at + 2, dueAt, false, 44);
        break;
      }
      case "Batcher": {
        const key = `item:${String(k).padStart(6, "0")}`;
        this.held.push(key);
        this.push({ kind: "storage.put", at: at + 1, object, entries: [{ key, value: json({ id: k, payload: "x".repeat(8 + (k % 24)) }) }], omitted: 0, origin: "user", inHandler: false, callSite: site(this.cls, "add", 22) });
        if (this.pending === null && this.retry === null) this.setAlarm(at + 2, at + 5_000, false, 25);
        break;
      }
      case "FlakyJob": {
        this.push({ kind: "storage.put", at: at + 1, object, entries: [{ key: "job", value: json({ id: `job-${k}`, url: `https://api.example.com/hooks/${k}`, tries: 0 }) }], omitted: 0, origin: "user", inHandler: false, callSite: site(this.cls, "enqueue", 19) });
        // A new job overwrites the pending alarm (and supersedes a retry the runtime was waiting to make).
        this.setAlarm(at + 2, at + 1_000 + Math.floor(r() * 4_000), false, 21);
        break;
      }
      case "PeriodicCleaner":
        this.push({ kind: "storage.sql", at: at + 1, object, query: "INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)", bindings: 3, inHandler: false, callSite: site(this.cls, "touch", 33) });
        break;
    }
  }

  private alarmRun(at: number): void {
    const object = this.ref;
    const r = this.rnd;
    this.wake(at);
    const retryCount = this.retry?.count ?? 0;
    const scheduled = this.retry?.scheduled ?? (this.pending as number);
    // The runtime clears the alarm as it starts it.
    this.pending = null;
    this.retry = null;
    const alarmInfo: AlarmInfoCopy = { retryCount, isRetry: retryCount > 0, scheduledTime: scheduled };
    // Now and then the user fails an attempt from the inspector.
    const injected = r() < 0.002;
    this.push({ kind: "alarm.start", at, object, alarmInfo, trigger: retryCount > 0 ? "retry" : "scheduled", injectedFailure: injected });
    let t = at;
    let failed = injected;
    switch (this.cls) {
      case "Reminder": {
        // Delivering takes about 1.5 s, as in the example.
        t += 1_400 + Math.floor(r() * 200);
        const dueKeys = this.held.splice(0, Math.max(1, Math.ceil(this.held.length / 2)));
        this.push({ kind: "storage.delete", at: t - 5, object, keys: dueKeys, omitted: 0, origin: "user", inHandler: true, callSite: site(this.cls, "alarm", 71) });
        if (this.held.length > 0) this.setAlarm(t - 2, t + 3_000 + Math.floor(r() * 30_000), true, 75);
        break;
      }
      case "Batcher": {
        t += 20 + Math.floor(r() * 180);
        const keys = this.held.splice(0);
        const listed = keys.slice(0, 20);
        this.push({ kind: "storage.put", at: t - 10, object, entries: [{ key: "lastFlush", value: json({ at: t, count: keys.length }) }], omitted: 0, origin: "user", inHandler: true, callSite: site(this.cls, "alarm", 48) });
        this.push({ kind: "storage.delete", at: t - 5, object, keys: listed, omitted: keys.length - listed.length, origin: "user", inHandler: true, callSite: site(this.cls, "alarm", 50) });
        break;
      }
      case "FlakyJob": {
        t += 50 + Math.floor(r() * 400);
        this.push({ kind: "storage.put", at: t - 20, object, entries: [{ key: "attempts", value: json(retryCount + 1) }], omitted: 0, origin: "user", inHandler: true, callSite: site(this.cls, "alarm", 30) });
        failed ||= r() < 0.35;
        if (!failed) this.push({ kind: "storage.delete", at: t - 2, object, keys: ["job"], omitted: 0, origin: "user", inHandler: true, callSite: site(this.cls, "alarm", 36) });
        break;
      }
      case "PeriodicCleaner": {
        t += 5 + Math.floor(r() * 60);
        this.push({ kind: "storage.sql", at: t - 4, object, query: "DELETE FROM sessions WHERE expires_at < ?", bindings: 1, inHandler: true, callSite: site(this.cls, "alarm", 40) });
        this.setAlarm(t - 1, t + 60_000, true, 42);
        break;
      }
    }
    if (!failed) {
      this.push({ kind: "alarm.end", at: t, object, outcome: "ok", durationMs: t - at, alarmInfo });
      return;
    }
    let retry: RetryInfo;
    if (this.pending !== null) {
      retry = { willRetry: "replaced" };
    } else if (retryCount >= MAX_ALARM_RETRIES) {
      retry = { willRetry: "no" };
    } else {
      const w = retryWindow(t, retryCount + 1);
      retry = { willRetry: "yes", nextRetryCount: retryCount + 1, earliest: w.earliest, latest: w.latest };
      this.retry = { count: retryCount + 1, at: w.earliest + r() * (w.latest - w.earliest), scheduled };
    }
    const message = injected ? "Injected failure (Alarm Inspector: fail next attempt)" : `upstream returned 503 on attempt ${retryCount + 1}`;
    const file = `file:///home/dev/alarm-lab/src/${this.cls[0]?.toLowerCase()}${this.cls.slice(1)}.ts`;
    this.push({
      kind: "alarm.end",
      at: t,
      object,
      outcome: "error",
      durationMs: t - at,
      alarmInfo,
      error: { name: "Error", message, stack: `Error: ${message}\n    at ${this.cls}.alarm (${file}:34:13)\n    at async ${this.cls}.alarm (file:///home/dev/alarm-lab/.wrangler/alarm-inspector/entry.mjs:140:7)`, ...(injected ? { injected: true } : {}) },
      retry,
    });
  }
}

/** A binary min-heap of objects by the time of their next event: a k-way merge of their time-ordered streams. */
class Merge {
  private readonly heap: { at: number; sim: ObjectSim }[] = [];

  constructor(sims: readonly ObjectSim[]) {
    for (const sim of sims) this.insert(sim);
  }

  private insert(sim: ObjectSim): void {
    const h = this.heap;
    h.push({ at: sim.peek(), sim });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as { at: number }).at <= (h[i] as { at: number }).at) break;
      [h[p], h[i]] = [h[i] as { at: number; sim: ObjectSim }, h[p] as { at: number; sim: ObjectSim }];
      i = p;
    }
  }

  /** The earliest next event of any object. */
  next(): UnsequencedEvent {
    const h = this.heap;
    const top = h[0] as { at: number; sim: ObjectSim };
    const event = top.sim.take();
    top.at = top.sim.peek();
    // Sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && (h[l] as { at: number }).at < (h[m] as { at: number }).at) m = l;
      if (r < h.length && (h[r] as { at: number }).at < (h[m] as { at: number }).at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i] as { at: number; sim: ObjectSim }, h[m] as { at: number; sim: ObjectSim }];
      i = m;
    }
    return event;
  }
}

interface Wire {
  /** Frames as the socket delivers them (JSON text): `hello`s and `events`. */
  frames: string[];
  events: number;
  eventFrames: number;
  duplicates: number;
  lost: number;
  simulatedMs: number;
}

/**
 * Records the merged events into the agent's ring buffer and reads them out as the hub does for one client, until
 * the client has received exactly `TOTAL_EVENTS` events (replays and the `dropped` marker included).
 */
function agentSession(): Wire {
  const rnd = random(20_241_117);
  const start = 1_763_000_000_000;
  const sims: ObjectSim[] = [];
  for (let n = 0; n < OBJECTS; n++) {
    const gap = 30_000 * 2 ** (rnd() * 4 - 2);
    sims.push(new ObjectSim(CLASSES[n % CLASSES.length] as ClassName, n, random(1_000 + n), gap, start + rnd() * 5_000));
  }
  const merge = new Merge(sims);
  const frames: string[] = [];
  let sessionStartedAt = start - 2_000;
  const hello = (): string => {
    const h: HelloMessage = { type: "hello", protocol: PROTOCOL_VERSION, worker: WORKER, classes: CLASS_INFO, agentVersion: "0.1.0", sessionStartedAt, bufferSize: BUFFER_SIZE, runtime: "wrangler" };
    return JSON.stringify(h);
  };
  let buffer = new EventBuffer(BUFFER_SIZE);
  // The hub's numbering is per connection: a new socket (a reconnection, a reloaded Worker) starts a new one.
  let indexer = new ObjectIndexer();
  let cursor = 0;
  let connected = true;
  let delivered = 0;
  let eventFrames = 0;
  let duplicates = 0;
  let highestDelivered = 0;
  let lost = 0;
  let reconnectAfterSeq = 0;
  /** Disconnections, by share of the input delivered: a short one (the replay repeats what the client had) and one longer than the buffer (events are lost; the hub says so with a `dropped` marker). */
  const outages = [
    { at: 0.25, events: 3_000 },
    { at: 0.5, events: 15_000 },
  ];
  let reloaded = false;
  frames.push(hello());

  const flush = (now: number): void => {
    for (;;) {
      const limit = Math.min(EVENTS_PER_FRAME, TOTAL_EVENTS - delivered);
      if (limit <= 0) return;
      const { events, cursor: next } = buffer.readSince(cursor, limit, now);
      if (events.length === 0) return;
      cursor = next;
      for (const e of events) {
        if (e.kind === "dropped") lost += Math.max(0, e.seq - highestDelivered);
        else if (e.seq <= highestDelivered) duplicates++;
        highestDelivered = Math.max(highestDelivered, e.seq);
      }
      frames.push(JSON.stringify(FULL_REFS ? { type: "events", events } : { type: "events", ...indexer.encode(events) }));
      delivered += events.length;
      eventFrames++;
    }
  };

  let nextPump = start;
  let now = start;
  while (delivered < TOTAL_EVENTS) {
    const e = merge.next();
    if (PUMP_MS > 0) {
      for (; nextPump <= e.at && delivered < TOTAL_EVENTS; nextPump += PUMP_MS) if (connected) flush(nextPump);
    } else if (e.at > now && connected) {
      // What was recorded at earlier moments goes out before this event is recorded.
      flush(now);
    }
    now = e.at;
    if (delivered >= TOTAL_EVENTS) break;
    const outage = outages[0];
    if (connected && outage && delivered >= outage.at * TOTAL_EVENTS) {
      // The editor loses the socket (the laptop sleeps, the network blips) while events keep happening.
      outages.shift();
      connected = false;
      reconnectAfterSeq = buffer.lastSeq + outage.events;
    }
    if (!connected && buffer.lastSeq >= reconnectAfterSeq) {
      // A new socket starts from cursor 0: the hub sends hello, then (when the buffer wrapped) a `dropped` marker, then the whole buffer.
      connected = true;
      cursor = 0;
      indexer = new ObjectIndexer();
      frames.push(hello());
    }
    if (!reloaded && delivered >= 0.75 * TOTAL_EVENTS) {
      // The user saves a file: wrangler reloads the Worker, a new isolate with a new buffer and seqs from 1.
      reloaded = true;
      flush(now);
      sessionStartedAt = now;
      buffer = new EventBuffer(BUFFER_SIZE);
      indexer = new ObjectIndexer();
      cursor = 0;
      highestDelivered = 0;
      for (const s of sims) s.reload();
      frames.push(hello());
    }
    buffer.record(e);
  }
  return { frames, events: delivered, eventFrames, duplicates, lost, simulatedMs: now - start };
}

// ───────────────────────────── measuring ─────────────────────────────

interface Heap {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function collect(): Heap {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass may leave objects that only die once finalizers and weak references are processed.
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

const MB = 1024 * 1024;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One ingest into a fresh model: the frames parsed as the client does (untimed), then handed to the model (timed). */
function ingest(input: InputBox): { model: AlarmModel; ms: number; wallMs: number; gcMs: number } {
  // Read through the box here, not by the caller: a caller that loaded `input.frames` would keep the input alive in
  // its own frame (an interpreter register) while it measures the heap.
  const frames = input.frames;
  if (!frames) throw new Error("the input was released");
  const model = new AlarmModel(EXTENSION_MODEL_OPTIONS);
  // The views subscribe; one listener keeps the change notification's cost in the figure.
  let changes = 0;
  model.onDidChange(() => changes++);
  let ms = 0;
  const toModel = (events: WireEvent[]): void => {
    const t0 = performance.now();
    model.applyEvents(events);
    ms += performance.now() - t0;
  };
  // The client's batch, its end-of-turn flush left out: the frames below are all queued in one turn.
  const batch = new EventBatch(toModel, () => undefined);
  // Collections are attributed to whoever allocates when the young generation fills, parse or model: sum them apart.
  const gcProfiler = new GCProfiler();
  gcProfiler.start();
  const w0 = performance.now();
  let table = new ObjectTable();
  for (const text of frames) {
    const msg: unknown = JSON.parse(text);
    if (isEventsMessage(msg)) {
      expand(table, msg);
      if (PER_FRAME) toModel(msg.events);
      else batch.add(msg.events);
    } else if (isHello(msg)) {
      batch.flush();
      table = new ObjectTable();
      const t0 = performance.now();
      model.applyHello(msg, Date.now());
      ms += performance.now() - t0;
    }
  }
  batch.flush();
  const wallMs = performance.now() - w0;
  const gcMs = (gcProfiler.stop()?.statistics ?? []).reduce((n, s) => n + s.cost, 0) / 1000;
  if (changes === 0) throw new Error("the model reported no change");
  return { model, ms, wallMs, gcMs };
}

/**
 * The floors the model's figure is read against, on the same frames through the same client batch, timed the same
 * way. `visit` does what any model must do with every event: read its kind, its object and its time, and find the
 * object in a Map. `keep` also keeps the newest 100,000 events (the model's total bound) in a ring: every kept event
 * then survives a young collection and is copied on its way to the old generation, whatever a model does with it.
 */
function floorRun(input: InputBox, keep: boolean): number {
  const frames = input.frames;
  if (!frames) throw new Error("the input was released");
  const objects = new Map<string, { last: number; count: number }>();
  const ring: (WireEvent | undefined)[] = keep ? new Array<WireEvent | undefined>(100_000).fill(undefined) : [];
  let next = 0;
  let ms = 0;
  const consume = (events: WireEvent[]): void => {
    const t0 = performance.now();
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as WireEvent & { object?: { id: string } };
      if (e.kind === "dropped" || e.object === undefined) continue;
      let o = objects.get(e.object.id);
      if (o === undefined) objects.set(e.object.id, (o = { last: 0, count: 0 }));
      o.last = e.at;
      o.count++;
      if (keep) {
        ring[next] = e;
        next = next + 1 === ring.length ? 0 : next + 1;
      }
    }
    ms += performance.now() - t0;
  };
  const batch = new EventBatch(consume, () => undefined);
  let table = new ObjectTable();
  for (const text of frames) {
    const msg: unknown = JSON.parse(text);
    if (isEventsMessage(msg)) {
      expand(table, msg);
      batch.add(msg.events);
    } else {
      batch.flush();
      table = new ObjectTable();
    }
  }
  batch.flush();
  if (objects.size === 0) throw new Error("the floor saw no object");
  return ms;
}

/** The client's own step after `JSON.parse` (extension/connection/inspectorClient.ts), outside the timed region like the parse. */
function expand(table: ObjectTable, frame: { events: unknown[]; objects?: unknown }): void {
  const problem = table.expand(frame);
  if (problem !== undefined) throw new Error(problem);
}

/** The input, in a box that the measuring code can empty: a local variable could keep it alive past its last use. */
interface InputBox {
  frames: string[] | null;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/** Builds the input and says what it is. */
function buildInput(): InputBox {
  const base = collect();
  const t0 = performance.now();
  const wire = agentSession();
  const genMs = performance.now() - t0;
  const withInput = collect();
  const bytes = wire.frames.reduce((n, f) => n + f.length, 0);
  console.log(
    `  input: ${fmt(wire.events)} events in ${fmt(wire.eventFrames)} frames (${(bytes / MB).toFixed(0)} MB of JSON, ${((withInput.heapUsed - base.heapUsed) / MB).toFixed(0)} MB of heap), ` +
      `${fmt(OBJECTS)} objects, ${(wire.simulatedMs / 60_000).toFixed(0)} simulated minutes; ${fmt(wire.duplicates)} replayed, ${fmt(wire.lost)} lost to the buffer; built in ${(genMs / 1000).toFixed(1)} s`,
  );
  return { frames: wire.frames };
}

interface Held {
  events: number;
  objects: number;
  droppedByModel: number;
  duplicates: number;
  droppedByAgent: number;
}

/** One timed run into a fresh model; the model is gone when this returns. */
function timedRun(input: InputBox): { ms: number; wallMs: number; gcMs: number } {
  const res = ingest(input);
  res.model.dispose();
  return { ms: res.ms, wallMs: res.wallMs, gcMs: res.gcMs };
}

/**
 * The last timed run, which also measures memory: the input is released after the ingest, the heap measured with the
 * model alive, and what the model holds summarized. The caller measures again once this returns (model gone too).
 */
function measuredRun(input: InputBox): { ms: number; wallMs: number; gcMs: number; heap: Heap; held: Held } {
  const res = ingest(input);
  input.frames = null;
  const heap = collect();
  const m = res.model;
  const held: Held = { events: m.totalEvents, objects: m.objects().length, droppedByModel: m.stats.droppedByModel, duplicates: m.stats.duplicates, droppedByAgent: m.stats.droppedByAgent };
  m.dispose();
  return { ms: res.ms, wallMs: res.wallMs, gcMs: res.gcMs, heap, held };
}

function main(): void {
  if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
    // The memory figure needs a full collection on demand; restart with the flag rather than report noise.
    const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, process.argv[1] as string, ...argv], { stdio: "inherit" });
    process.exit(r.status ?? 0);
  }
  const loadBefore = loadavg()[0] ?? 0;
  console.log(`model: ingest ${fmt(TOTAL_EVENTS)} events (Node ${process.version})`);
  const input = buildInput();

  const times: number[] = [];
  const walls: number[] = [];
  const gcs: number[] = [];
  for (let r = 0; r < RUNS - 1; r++) {
    // A fresh model each run, the previous one collected first so that no run pays for another's garbage.
    collect();
    const t = timedRun(input);
    times.push(t.ms);
    walls.push(t.wallMs);
    gcs.push(t.gcMs);
  }
  // The floors, alternating with nothing else running: the median of three each.
  const visits: number[] = [];
  const keeps: number[] = [];
  for (let r = 0; r < 3; r++) {
    collect();
    visits.push(floorRun(input, false));
    collect();
    keeps.push(floorRun(input, true));
  }
  collect();
  const last = measuredRun(input);
  times.push(last.ms);
  walls.push(last.wallMs);
  gcs.push(last.gcMs);
  const without = collect();
  const retained = (last.heap.heapUsed - without.heapUsed) / MB;
  const external = (last.heap.external - without.external + (last.heap.arrayBuffers - without.arrayBuffers)) / MB;
  const held = last.held;

  const ms = median(times);
  const load = `load average ${loadBefore.toFixed(1)} → ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`;
  console.log(`  model: AlarmModel({ maxEventsPerObject: 500 }) as extension.ts creates it (maxTotalEvents 100,000, maxObjects 5,000, maxRecentStorage 50)`);
  console.log(
    `  held after ingest: ${fmt(held.events)} events, ${fmt(held.objects)} objects; dropped by the model ${fmt(held.droppedByModel)}, ` +
      `duplicates ${fmt(held.duplicates)}, dropped by the agent ${fmt(held.droppedByAgent)}`,
  );
  console.log(`  runs: [${times.map((t) => t.toFixed(0)).join(", ")}] ms; with the client's JSON.parse and ObjectTable ${median(walls).toFixed(0)} ms, garbage collection in it ${median(gcs).toFixed(0)} ms (medians); ${load}`);

  const source = `${fmt(TOTAL_EVENTS)} events of ${fmt(OBJECTS)} objects (4 classes) recorded into the agent's EventBuffer and read as the hub sends them (${PUMP_MS > 0 ? `every ${PUMP_MS} ms` : "at once"}, ≤ ${EVENTS_PER_FRAME} a frame; 2 reconnections, a Worker reload)`;
  printRow(goalRow(`model ingest, ${fmt(TOTAL_EVENTS)} events`, ms, "ms", "<=", GOAL_MS, `${source}; ${PER_FRAME ? "one applyEvents per frame" : `frames joined by the client's EventBatch (≤ ${fmt(MAX_BATCH_EVENTS)} events a model call; all queued at once, the catching-up case)`}; applyHello/applyEvents timed, JSON.parse (and the client's ObjectTable) not; ${FULL_REFS ? "full references in every event (--full-refs)" : "objects numbered per connection"}; median of ${RUNS} fresh AlarmModels with the extension's options; Node ${process.version}`));
  const floorMethod = "the same frames through the same client batch, timed the same way (JSON.parse not), median of 3";
  printRow(infoRow(`limit: visiting ${fmt(TOTAL_EVENTS)} events`, median(visits), "ms", `${floorMethod}, into a loop that reads each event's kind, object and time and finds the object in a Map: what any model must do`));
  printRow(infoRow(`limit: visiting them and keeping the newest 100,000`, median(keeps), "ms", `${floorMethod}, the same loop keeping the newest 100,000 events in a ring (the model's total bound): what any model that keeps events pays the garbage collector; ${((median(keeps) / ms) * 100).toFixed(0)} % of the model's figure`));
  printRow(goalRow(`model retained memory, ${fmt(TOTAL_EVENTS)} events`, retained, "MB", "<=", GOAL_MB, `same input, default retention; heapUsed with the model alive minus after releasing it, the input released first, both after global.gc() (external and array buffers ${external.toFixed(1)} MB)`));
}

main();
