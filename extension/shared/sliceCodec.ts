/**
 * The wire form of a slice: each lane's markers, runs and ticks as flat arrays of numbers, times as differences from
 * the one before, instead of objects with named fields and full timestamps. A marker was ~65 bytes of JSON and is now
 * ~8; a wide view of a busy session (38 lanes over an hour) went from ~1.4 MB to ~0.2 MB, and serialising it on the
 * host, carrying it to the webview and deserialising it there on the thread that draws all shrink with it.
 *
 * The host packs (`packSlice`) what `TimelineIndex.slice` returns; the webview unpacks (`unpackSlice`) into the very
 * same `SliceMessage`, so the renderer, hit testing and tests see one shape. Times round-trip exactly: the difference
 * of two nearby doubles is exact, and so is adding it back. Unpacking checks every number it reads and gives up on
 * anything malformed (the webview treats what arrives as untrusted input).
 *
 * Compiled in both worlds, like everything in extension/shared/: no DOM, no Node, no `vscode`.
 */
import type { AlarmTrigger } from "../../protocol/protocol";
import { MARKER_KINDS } from "./timelineMessages";
import type { AttemptBar, AttemptOutcomeName, BackoffGap, ClassRow, LaneRow, Marker, PackedLane, PackedSliceMessage, RunChain, RunStateName, RunTick, SliceMessage } from "./timelineMessages";

const RUN_STATES: readonly RunStateName[] = ["running", "succeeded", "retrying", "abandoned", "failed", "replaced", "interrupted"];
const OUTCOMES: readonly AttemptOutcomeName[] = ["running", "ok", "error", "interrupted"];
const TRIGGERS: readonly AlarmTrigger[] = ["scheduled", "retry", "fireNow"];

// Marker code: the kind's index in MARKER_KINDS (0–6), and flags above it.
const M_ALERT = 8;
const M_MATCH = 16;
const M_IN_ATTEMPT = 32;
const M_MERGED = 64;

// Run flags.
const R_SCHEDULED = 1;
const R_WAITING = 2;
const R_WAITING_COUNT = 4;

// Attempt code: outcome (0–3), trigger (× 4), then flags.
const A_INJECTED = 16;
const A_ENDED = 32;
const A_EXPECTED = 64;

/** Packs one slice for posting. */
export function packSlice(s: SliceMessage): PackedSliceMessage {
  const base = s.covers.start;
  const ids = new IdTable();
  const rows = s.rows.map((row): ClassRow | PackedLane => {
    if (row.kind !== "lane") return row;
    const { markers, runs, ticks, ...rest } = row;
    return { ...rest, m: packMarkers(markers, base), r: packRuns(runs, base, ids), k: packTicks(ticks, base, ids) };
  });
  return {
    type: "slice",
    requestId: s.requestId,
    covers: s.covers,
    ...(s.kept ? { kept: s.kept } : {}),
    totalRows: s.totalRows,
    now: s.now,
    base,
    ids: ids.prefixes,
    rows,
  };
}

/** Unpacks a posted slice, or undefined when anything in it is malformed. */
export function unpackSlice(p: PackedSliceMessage): SliceMessage | undefined {
  if (!Array.isArray(p.ids) || !p.ids.every((x) => typeof x === "string") || !Number.isFinite(p.base)) return undefined;
  const rows: (ClassRow | LaneRow)[] = [];
  for (const row of p.rows as unknown[]) {
    if (!isRecord(row)) return undefined;
    if (row.kind === "class") {
      rows.push(row as unknown as ClassRow);
      continue;
    }
    if (row.kind !== "lane" || !Array.isArray(row.m) || !Array.isArray(row.r) || !Array.isArray(row.k) || !Number.isInteger(row.row)) return undefined;
    const { m, r, k, ...rest } = row as unknown as PackedLane;
    const markers = unpackMarkers(new Reader(m), p.base);
    const runs = unpackRuns(new Reader(r), p.base, p.ids);
    const ticks = unpackTicks(new Reader(k), p.base, p.ids);
    if (!markers || !runs || !ticks) return undefined;
    rows.push({ ...rest, markers, runs, ticks });
  }
  return {
    type: "slice",
    requestId: p.requestId,
    covers: p.covers,
    ...(p.kept ? { kept: p.kept } : {}),
    rows,
    totalRows: p.totalRows,
    now: p.now,
  };
}

// ───────────────────────────── markers ─────────────────────────────

function packMarkers(markers: readonly Marker[], base: number): number[] {
  const out: number[] = [];
  let prev = base;
  for (const m of markers) {
    let code = MARKER_KINDS.indexOf(m.kind);
    if (m.alert) code |= M_ALERT;
    if (m.match) code |= M_MATCH;
    if (m.inAttempt) code |= M_IN_ATTEMPT;
    const merged = m.count !== 1 || m.last !== undefined;
    if (merged) code |= M_MERGED;
    out.push(m.t - prev, code);
    if (merged) out.push(m.count, (m.last ?? m.t) - m.t);
    prev = m.t;
  }
  return out;
}

function unpackMarkers(r: Reader, base: number): Marker[] | undefined {
  const out: Marker[] = [];
  let prev = base;
  while (r.more()) {
    const t = prev + r.num();
    const code = r.int();
    const kind = MARKER_KINDS[code & 7];
    if (!r.ok || kind === undefined) return undefined;
    const m: Marker = { t, kind, count: 1 };
    if (code & M_MERGED) {
      m.count = r.int();
      m.last = t + r.num();
    }
    if (code & M_ALERT) m.alert = true;
    if (code & M_MATCH) m.match = true;
    if (code & M_IN_ATTEMPT) m.inAttempt = true;
    out.push(m);
    prev = t;
  }
  return r.ok ? out : undefined;
}

// ───────────────────────────── ticks ─────────────────────────────

function packTicks(ticks: readonly RunTick[], base: number, ids: IdTable): number[] {
  const out: number[] = [];
  let prev = base;
  for (const t of ticks) {
    out.push(...ids.pack(t.id), t.start - prev, t.end - t.start, RUN_STATES.indexOf(t.state), t.count);
    prev = t.start;
  }
  return out;
}

function unpackTicks(r: Reader, base: number, ids: readonly string[]): RunTick[] | undefined {
  const out: RunTick[] = [];
  let prev = base;
  while (r.more()) {
    const id = r.id(ids);
    const start = prev + r.num();
    const end = start + r.num();
    const state = RUN_STATES[r.int()];
    const count = r.int();
    if (!r.ok || id === undefined || state === undefined) return undefined;
    out.push({ id, state, start, end, count });
    prev = start;
  }
  return r.ok ? out : undefined;
}

// ───────────────────────────── runs ─────────────────────────────

/**
 * Per run: `id prefix, id number, state, dt (from the run before, or base), end - start, flags, attempts`, then
 * `scheduledTime - start` when it has one, then per attempt `start - run start, code, number` (+ `end - start` when
 * ended, + `earliest - start, latest - start` of its expected window), then the awaited window `earliest - start,
 * latest - start` (+ its retry count). Backoff gaps are not sent: they follow from the attempts (see `gapsOf`).
 */
function packRuns(runs: readonly RunChain[], base: number, ids: IdTable): number[] {
  const out: number[] = [];
  let prev = base;
  for (const run of runs) {
    let flags = 0;
    if (run.scheduledTime !== null) flags |= R_SCHEDULED;
    if (run.waiting) flags |= R_WAITING;
    if (run.waiting && run.waiting.retryCount !== null) flags |= R_WAITING_COUNT;
    out.push(...ids.pack(run.id), RUN_STATES.indexOf(run.state), run.start - prev, run.end - run.start, flags, run.attempts.length);
    if (run.scheduledTime !== null) out.push(run.scheduledTime - run.start);
    for (const a of run.attempts) {
      let code = OUTCOMES.indexOf(a.outcome) + 4 * TRIGGERS.indexOf(a.trigger);
      if (a.injected) code |= A_INJECTED;
      if (a.end !== null) code |= A_ENDED;
      if (a.expected) code |= A_EXPECTED;
      out.push(a.start - run.start, code, a.number);
      if (a.end !== null) out.push(a.end - a.start);
      if (a.expected) out.push(a.expected.earliest - a.start, a.expected.latest - a.start);
    }
    if (run.waiting) {
      out.push(run.waiting.earliest - run.start, run.waiting.latest - run.start);
      if (run.waiting.retryCount !== null) out.push(run.waiting.retryCount);
    }
    prev = run.start;
  }
  return out;
}

function unpackRuns(r: Reader, base: number, ids: readonly string[]): RunChain[] | undefined {
  const out: RunChain[] = [];
  let prev = base;
  while (r.more()) {
    const id = r.id(ids);
    const state = RUN_STATES[r.int()];
    const start = prev + r.num();
    const end = start + r.num();
    const flags = r.int();
    const count = r.int();
    if (!r.ok || id === undefined || state === undefined || count < 0 || count > r.left()) return undefined;
    const scheduledTime = flags & R_SCHEDULED ? start + r.num() : null;
    const attempts: AttemptBar[] = [];
    for (let index = 0; index < count; index++) {
      const aStart = start + r.num();
      const code = r.int();
      const number = r.int();
      const outcome = OUTCOMES[code & 3];
      const trigger = TRIGGERS[(code >> 2) & 3];
      if (!r.ok || outcome === undefined || trigger === undefined) return undefined;
      const bar: AttemptBar = { index, number, start: aStart, end: code & A_ENDED ? aStart + r.num() : null, outcome, trigger, injected: (code & A_INJECTED) !== 0 };
      if (code & A_EXPECTED) bar.expected = { earliest: aStart + r.num(), latest: aStart + r.num() };
      attempts.push(bar);
    }
    let waiting: RunChain["waiting"] = null;
    if (flags & R_WAITING) {
      const earliest = start + r.num();
      const latest = start + r.num();
      waiting = { earliest, latest, retryCount: flags & R_WAITING_COUNT ? r.int() : null };
    }
    if (!r.ok) return undefined;
    out.push({ id, state, start, end, scheduledTime, attempts, gaps: gapsOf(attempts), waiting });
    prev = start;
  }
  return r.ok ? out : undefined;
}

/** The backoff gaps between a run's attempts, as `backoffGaps` (runChains.ts) derives them from the model's attempts. */
export function gapsOf(attempts: readonly AttemptBar[]): BackoffGap[] {
  const gaps: BackoffGap[] = [];
  for (let i = 1; i < attempts.length; i++) {
    const prev = attempts[i - 1] as AttemptBar;
    const next = attempts[i] as AttemptBar;
    const gap: BackoffGap = { from: prev.end ?? prev.start, to: next.start };
    if (next.expected) gap.verdict = next.start < next.expected.earliest ? "early" : next.start > next.expected.latest ? "late" : "inWindow";
    gaps.push(gap);
  }
  return gaps;
}

// ───────────────────────────── helpers ─────────────────────────────

/** Run ids as `[index of the part before the last "#", the number after it]`, or `[index of the whole id, -1]`. */
class IdTable {
  readonly prefixes: string[] = [];
  private readonly index = new Map<string, number>();

  pack(id: string): [number, number] {
    const hash = id.lastIndexOf("#");
    const suffix = hash >= 0 ? id.slice(hash + 1) : "";
    const numeric = /^(0|[1-9][0-9]{0,14})$/.test(suffix);
    const prefix = numeric ? id.slice(0, hash) : id;
    let i = this.index.get(prefix);
    if (i === undefined) {
      i = this.prefixes.length;
      this.prefixes.push(prefix);
      this.index.set(prefix, i);
    }
    return [i, numeric ? Number(suffix) : -1];
  }
}

/** Reads numbers off a packed array; `ok` turns false, for good, at the first missing or malformed one. */
class Reader {
  private i = 0;
  ok = true;

  constructor(private readonly a: readonly unknown[]) {}

  more(): boolean {
    return this.ok && this.i < this.a.length;
  }

  left(): number {
    return this.a.length - this.i;
  }

  num(): number {
    const v = this.a[this.i++];
    if (typeof v === "number" && Number.isFinite(v)) return v;
    this.ok = false;
    return 0;
  }

  int(): number {
    const v = this.num();
    if (Number.isInteger(v)) return v;
    this.ok = false;
    return 0;
  }

  id(table: readonly string[]): string | undefined {
    const prefix = table[this.int()];
    const n = this.int();
    if (!this.ok || prefix === undefined) return undefined;
    return n >= 0 ? `${prefix}#${n}` : prefix;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
