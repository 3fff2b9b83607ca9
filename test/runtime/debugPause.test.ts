/**
 * Debug Next Attempt without an editor: a real Chrome DevTools protocol client on wrangler's inspector port (what VS
 * Code's JavaScript debugger speaks) sees the armed attempt pause before the user's handler, with the attempt in a
 * local, and the run completes once it resumes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import WebSocket from "ws";
import { EXAMPLES, json, launchOnFreePorts, Recorder, waitFor } from "./helpers";
import type { Launched } from "./helpers";

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** A minimal DevTools protocol client: requests with ids, and every notification kept. */
class Cdp {
  readonly notes: CdpMessage[] = [];
  private next = 1;
  private readonly pending = new Map<number, (m: CdpMessage) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const m = JSON.parse(data.toString()) as CdpMessage;
      if (m.id !== undefined) this.pending.get(m.id)?.(m);
      else this.notes.push(m);
    });
  }

  static async open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise<void>((res, rej) => {
      ws.once("open", () => res());
      ws.once("error", rej);
    });
    return new Cdp(ws);
  }

  async call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.next++;
    const reply = new Promise<CdpMessage>((res) => this.pending.set(id, res));
    this.ws.send(JSON.stringify({ id, method, params }));
    const m = await reply;
    if (m.error) throw new Error(`${method}: ${m.error.message}`);
    return m.result ?? {};
  }

  close(): void {
    this.ws.close();
  }
}

interface PropertyDescriptor {
  name: string;
  value?: { type: string; value?: unknown; objectId?: string; description?: string };
}

describe("debug next attempt: the attempt pauses for a JavaScript debugger attached to workerd", function () {
  this.timeout(120_000);
  let session: Launched;
  let rec: Recorder;
  let cdp: Cdp | undefined;

  before(async function () {
    session = await launchOnFreePorts(EXAMPLES);
    rec = await Recorder.connect(session.info);
  });

  after(async function () {
    cdp?.close();
    rec?.close();
    await session?.stop();
  });

  it("stops at the agent's debugger statement with the attempt (retryCount) in a local, then runs the handler", async function () {
    const port = session.info.debugPort;
    assert.ok(port, "the ready line names wrangler's inspector port");
    const targets = await json<{ webSocketDebuggerUrl: string; title?: string }[]>(`http://127.0.0.1:${port}/json/list`);
    assert.ok(targets.length > 0, "wrangler lists a debugging target");
    cdp = await Cdp.open(targets[0]!.webSocketDebuggerUrl);
    await cdp.call("Runtime.enable");
    await cdp.call("Debugger.enable");

    const target = { className: "Reminder", name: "dbg" };
    // Fail Next 1 and a debugger pause: the pause waits for the real retry (retry 1), as Debug Next Attempt on a retry.
    await rec.client.send({ op: "failNext", target, count: 1 });
    await rec.client.send({ op: "holdNext", target, mode: "debug" });
    await json(`${session.url}/reminder/dbg/set?inMs=100&message=stepped`, { method: "POST" });

    const paused = await waitFor("Debugger.paused", () => cdp!.notes.find((n) => n.method === "Debugger.paused"), 30_000);
    const frames = paused.params!.callFrames as { functionName: string; url: string; scopeChain: { type: string; object: { objectId: string } }[] }[];
    const top = frames[0]!;
    assert.equal(top.functionName, "pauseBeforeHandler");
    const local = top.scopeChain.find((s) => s.type === "local")!;
    const locals = (await cdp.call("Runtime.getProperties", { objectId: local.object.objectId, ownProperties: true })).result as PropertyDescriptor[];
    const attempt = locals.find((p) => p.name === "attempt");
    assert.ok(attempt?.value?.objectId, `a local named attempt; locals: ${locals.map((p) => p.name).join(", ")}`);
    const fields = (await cdp.call("Runtime.getProperties", { objectId: attempt.value.objectId, ownProperties: true })).result as PropertyDescriptor[];
    const field = (name: string) => fields.find((p) => p.name === name)?.value?.value;
    assert.equal(field("retryCount"), 1);
    assert.equal(field("retry"), "1 of 6");
    assert.equal(field("trigger"), "retry");
    // Called by the attempt itself, with nothing awaited between the pause and the handler it calls next.
    assert.equal(frames[1]?.functionName, "runAlarmAttempt", frames.map((f) => f.functionName).join(" < "));
    const scriptId = (top as unknown as { location: { scriptId: string } }).location.scriptId;
    const script = cdp.notes.find((n) => n.method === "Debugger.scriptParsed" && n.params?.scriptId === scriptId)?.params;
    console.log(`      paused in script ${JSON.stringify(script?.url)} (source map ${String(script?.sourceMapURL ?? "none").slice(0, 80)}); stack: ${frames.slice(0, 6).map((f) => f.functionName || "(anonymous)").join(" < ")}`);

    // While paused, the whole isolate is: a request to another object gets no answer until the debugger resumes.
    const other = fetch(`${session.url}/reminder/dbg-other`).then((r) => r.status);
    const during = await Promise.race([other, new Promise((r) => setTimeout(() => r("no answer within 2 s"), 2000))]);
    console.log(`      a request to another object while paused: ${String(during)}`);

    // Step Into three times (past the debugger statement, into the wrapper's call, into the handler): the user's
    // alarm(), at its line in the user's .ts through wrangler's source map.
    for (let step = 0; step < 3; step++) {
      const seen = cdp.notes.length;
      await cdp.call("Debugger.stepInto");
      await waitFor("the step's pause", () => cdp!.notes.slice(seen).find((n) => n.method === "Debugger.paused"), 10_000);
    }
    const stepped = cdp.notes.filter((n) => n.method === "Debugger.paused").at(-1)!;
    const here = (stepped.params!.callFrames as { functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }[])[0]!;
    const parsed = cdp.notes.find((n) => n.method === "Debugger.scriptParsed" && n.params?.scriptId === here.location.scriptId)!.params!;
    const bundle = fileURLToPath(String(parsed.url));
    const map = new TraceMap(readFileSync(`${bundle}.map`, "utf8"), bundle);
    const original = originalPositionFor(map, { line: here.location.lineNumber + 1, column: here.location.columnNumber });
    assert.match(here.functionName, /alarm/);
    assert.match(original.source ?? "", /examples\/src\/objects\/reminder\.ts$/);
    const alarmLine = readFileSync(`${EXAMPLES}/src/objects/reminder.ts`, "utf8").split("\n").findIndex((l) => /override async alarm\(/.test(l)) + 1;
    assert.ok(original.line !== null && original.line >= alarmLine && original.line <= alarmLine + 1, `stepped to reminder.ts:${original.line}, alarm() is at ${alarmLine}`);
    console.log(`      three Step Into: ${here.functionName} at ${original.source}:${original.line}`);

    await cdp.call("Debugger.resume");
    console.log(`      the other object's request after resume: ${await other}`);
    const end = await rec.waitFor("the retry's end", "alarm.end", (e) => e.object.name === "dbg" && e.outcome === "ok", 30_000);
    assert.equal(end.alarmInfo?.retryCount, 1);
    assert.deepEqual((await json<{ delivered: string[] }>(`${session.url}/reminder/dbg`)).delivered, ["stepped"]);
  });
});
