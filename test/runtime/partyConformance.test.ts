/**
 * The agent must not change what a PartyKit room's code sees, in either form. The same requests run against the
 * plain runtime and against the inspector's launcher (each with fresh state), and every response and the storage
 * an alarm leaves behind are compared whole: partyserver under `wrangler dev`, classic PartyKit under `partykit dev`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanup, FIXTURES, launch, plainWrangler, tempDir, waitFor } from "./helpers";
import { launchPartykit, plainPartykit } from "./partyHelpers";

interface Observed {
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * wrangler's error page prints the stack, whose frames name the bundle (another file with the agent, the launcher's
 * entry): the error itself, its status and its type must match, the frames' paths cannot.
 */
function withoutFrames(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\s+at /.test(line))
    .join("\n");
}

async function observe(url: string): Promise<Observed> {
  const r = await fetch(url, { method: "GET" });
  const text = withoutFrames(await r.text());
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text body
  }
  return { status: r.status, contentType: r.headers.get("content-type"), body };
}

async function runAll(base: string, paths: string[]): Promise<Record<string, Observed>> {
  const out: Record<string, Observed> = {};
  for (const path of paths) out[path] = await observe(`${base}${path}`);
  return out;
}

/** Arms a room's alarm through its own route and returns its storage once the alarm handler has written to it. */
async function alarmOutcome(base: string, room: string): Promise<unknown> {
  const armed = await fetch(`${base}${room}/alarm?inMs=300`);
  assert.equal(armed.status, 200, await armed.text());
  return waitFor("the alarm handler's writes", async () => {
    const state = (await (await fetch(`${base}${room}/state`)).json()) as { storage: Record<string, unknown>; alarm: number | null };
    return state.storage.alarmRuns ? state : undefined;
  }, 30_000);
}

/** Both runs, plain first: `run(base)` against the plain runtime, then against the launcher. */
async function compare<T>(
  plain: () => Promise<{ url: string; stop(): Promise<void> }>,
  inspected: () => Promise<{ url: string; stop(): Promise<unknown> }>,
  run: (base: string) => Promise<T>,
): Promise<[T, T]> {
  const a = await plain();
  let without: T;
  try {
    without = await run(a.url);
  } finally {
    await a.stop();
  }
  const b = await inspected();
  let withAgent: T;
  try {
    withAgent = await run(b.url);
  } finally {
    await b.stop();
  }
  return [without, withAgent];
}

describe("conformance: partyserver rooms with and without the agent (wrangler dev)", function () {
  const dir = join(FIXTURES, "partyserver-conformance");
  const PATHS = [
    "/parties/probe-room/c1/scenario",
    "/parties/probe-room/c1/state",
    "/parties/probe-room/c1/throw",
    "/parties/probe-room/c1/nope",
    "/parties/quiet-room/q1",
    "/parties/no-such-party/x",
    "/env",
    "/nothing-here",
  ];

  it("gives identical responses: class name, static options, room name, storage, SQL, alarms, errors, defaults", async function () {
    this.timeout(300_000);
    const plainState = tempDir("plain");
    const [without, withAgent] = await compare(
      () => plainWrangler(dir, plainState),
      () => launch(dir),
      (base) => runAll(base, PATHS),
    );
    cleanup(plainState);
    for (const path of PATHS) assert.deepEqual(withAgent[path], without[path], `response to ${path} differs`);
    // The comparison compares something: the scenario really ran, with the room's own view of itself.
    const scenario = without["/parties/probe-room/c1/scenario"]!.body as Record<string, unknown>;
    assert.equal(scenario.constructorName, "ProbeRoom");
    assert.deepEqual(scenario.options, { hibernate: true });
    assert.equal(scenario.name, "c1");
    assert.ok("threw" in (scenario.badSql as object));
    assert.equal(without["/parties/probe-room/c1/throw"]!.status, 500);
    assert.deepEqual((without["/env"]!.body as { keys: string[] }).keys, ["ProbeRoom", "QuietRoom"], "the hub binding stays hidden");
  });

  it("fires onAlarm the same way: once, with no arguments, after onStart, with the room's name", async function () {
    this.timeout(300_000);
    const plainState = tempDir("plain");
    const [without, withAgent] = await compare(
      () => plainWrangler(dir, plainState),
      () => launch(dir),
      (base) => alarmOutcome(base, "/parties/probe-room/a1"),
    );
    cleanup(plainState);
    assert.deepEqual(withAgent, without);
    assert.deepEqual(without, { storage: { __ps_name: "a1", starts: 1, alarmRuns: 1, alarmArgs: 0, alarmName: "a1" }, alarm: null });
  });
});

describe("conformance: classic PartyKit rooms with and without the agent (partykit dev)", function () {
  const dir = join(FIXTURES, "partykit-conformance");
  const PATHS = [
    "/party/c1/scenario",
    "/party/c1/state",
    "/party/c1/throw",
    "/party/c1/nope",
    "/party/c1/scenario?blocked",
    "/parties/bare/x",
    "/parties/no-such-party/x",
    "/custom",
    "/nothing-here",
  ];

  it("gives identical responses: class, own keys, room id, storage, transactions, other parties, statics, errors", async function () {
    this.timeout(300_000);
    const plainState = tempDir("plain-partykit");
    const [without, withAgent] = await compare(
      () => plainPartykit(dir, plainState),
      () => launchPartykit(dir),
      (base) => runAll(base, PATHS),
    );
    cleanup(plainState);
    for (const path of PATHS) assert.deepEqual(withAgent[path], without[path], `response to ${path} differs`);
    const scenario = without["/party/c1/scenario"]!.body as Record<string, unknown>;
    assert.equal(scenario.constructorName, "ProbeParty");
    assert.deepEqual(scenario.keys, ["onStart", "options", "room"], "a class-field handler stays an enumerable own key");
    assert.equal(scenario.id, "c1");
    assert.deepEqual(scenario.bare, { ok: { status: 500, body: "Invalid onRequest handler" } });
    assert.equal(without["/party/c1/scenario?blocked"]!.status, 403);
    assert.equal(without["/custom"]!.body, "onFetch /custom");
  });

  it("fires onAlarm the same way: no arguments, room.id and context.parties refused with PartyKit's own errors", async function () {
    this.timeout(300_000);
    const plainState = tempDir("plain-partykit");
    const [without, withAgent] = await compare(
      () => plainPartykit(dir, plainState),
      () => launchPartykit(dir),
      (base) => alarmOutcome(base, "/party/a1"),
    );
    cleanup(plainState);
    assert.deepEqual(withAgent, without);
    const storage = (without as { storage: Record<string, unknown> }).storage;
    assert.equal(storage.alarmArgs, 0);
    assert.match(JSON.stringify(storage.roomId), /can not access `Party.id` in the `onAlarm` handler/);
    assert.match(JSON.stringify(storage.parties), /can not access `Party.context.parties` in the `onAlarm` handler/);
  });
});
