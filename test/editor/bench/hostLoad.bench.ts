/**
 * The extension host while about 1,000 events/s stream into an open Alarms view and timeline (issue 16's goals: CPU
 * ≤ 10 % of one core; heap flat, bounded by retention). This mocha file runs inside the extension host, so its own
 * process is the one measured: CPU from /proc/self/stat (utime + stime of every thread), heap from
 * process.memoryUsage() after a full GC. The load comes from a separate process (test/bench/eventStream.mjs), paced
 * so the events reaching the connection come to the target rate (calibrated first: events per request).
 *
 * Duration: ALARM_INSPECTOR_BENCH_STREAM_S (default 180 s), sampled every ALARM_INSPECTOR_BENCH_SAMPLE_S (30 s).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import * as vscode from "vscode";
import { log, sel, ui } from "../suite/ui";
import { benchSession, post, record, setting, sleep } from "./benchSession";
import { startCpuProfile } from "./cpuProfile";
import type { ProfileSummary } from "./cpuProfile";

const TARGET_EVENTS_PER_S = 1000;
/** Puts per request: about 100 events each, so the Worker (not its HTTP path) sets the pace on a busy machine. */
const FIELDS = 99;
const OBJECTS = 8;

/** CPU ms used by this process so far (all threads), from /proc. */
function cpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
}

/** V8's full GC, reachable without --expose-gc on the command line. */
function fullGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("bench: extension host under a steady stream", function () {
  this.timeout(3 * 60 * 60_000);

  it("measures the extension host's CPU and heap while ~1,000 events/s arrive", async function () {
    const { api, url } = await benchSession();
    const seconds = setting("STREAM_S", 180);
    const sampleS = setting("SAMPLE_S", 30);
    const gc = fullGc();
    let events = 0;
    const sub = api.sessions.connection.onEvents((batch) => void (events += batch.length));
    // The view and the timeline open, as a person watching would have them.
    await vscode.commands.executeCommand("workbench.view.extension.alarmInspector");
    const calibration = 10;
    const before = events;
    for (let i = 0; i < calibration; i++) await post(`${url}/expiry/bench-stream-${i % OBJECTS}/update?ttlMs=3600000&fields=${FIELDS}`);
    await sleep(1000);
    const perRequest = (events - before) / calibration;
    await ui.waitFor(sel.treeRowWith("bench-stream-0"), { timeoutMs: 30_000 });
    await vscode.commands.executeCommand("alarmInspector.openTimeline");
    await ui.waitFor("iframe.webview.ready", { timeoutMs: 30_000 });
    const rate = Math.round(TARGET_EVENTS_PER_S / perRequest);
    log(`  host load: ${perRequest.toFixed(1)} events per request → ${rate} requests/s for ${seconds} s (extension host pid ${process.pid})`);

    // The same process with the same view and timeline open and nothing arriving: what the stream adds is the rest.
    // It starts once the timeline's first draw and lane warm-up are over, which are not what "idle" means.
    await sleep(5000);
    const stopIdleProfile = process.env.ALARM_INSPECTOR_BENCH_PROFILE === "idle" ? await startCpuProfile(join(process.env.ALARM_INSPECTOR_TEST_ARTIFACTS ?? process.env.ALARM_INSPECTOR_REPO_ROOT!, "host-idle.cpuprofile")) : undefined;
    const idleC0 = cpuMs();
    const idleW0 = performance.now();
    await sleep(Math.min(15, sampleS) * 1000);
    const idlePct = (100 * (cpuMs() - idleC0)) / (performance.now() - idleW0);
    log(`  host load: idle CPU ${idlePct.toFixed(1)} % of a core`);
    if (stopIdleProfile) {
      const p = await stopIdleProfile();
      log(`  host idle profile (${p.totalMs} ms sampled, ${p.file}): by script ${p.byScript.map((x) => `${x.name} ${x.ms}`).join(", ")}; top ${p.top.map((x) => `${x.name} ${x.ms}`).join("; ")}`);
    }

    const repo = process.env.ALARM_INSPECTOR_REPO_ROOT!;
    const child = spawn(process.execPath, [join(repo, "test", "bench", "eventStream.mjs"), url, String(rate), String(seconds), String(FIELDS), String(OBJECTS)], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      // The extension host's Node is Electron's or code-server's: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c));
    child.stderr!.on("data", (c: Buffer) => (out += c));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const samples: { t: number; heapMB: number; cpuPct: number; eventsPerS: number }[] = [];
    // With ALARM_INSPECTOR_BENCH_PROFILE=1: a CPU profile of the first window (=idle: of the idle window above) (the profiler's own cost is in its CPU).
    let stopProfile: (() => Promise<ProfileSummary>) | undefined;
    let profile: ProfileSummary | undefined;
    if (process.env.ALARM_INSPECTOR_BENCH_PROFILE === "1") {
      stopProfile = await startCpuProfile(join(process.env.ALARM_INSPECTOR_TEST_ARTIFACTS ?? repo, "host-load.cpuprofile"));
    }
    const t0 = Date.now();
    try {
      gc();
      let heap = process.memoryUsage().heapUsed;
      let c0 = cpuMs();
      let w0 = performance.now();
      let e0 = events;
      samples.push({ t: 0, heapMB: heap / 1e6, cpuPct: NaN, eventsPerS: NaN });
      while (Date.now() - t0 < seconds * 1000 - 500 && child.exitCode === null) {
        await Promise.race([sleep(Math.min(sampleS * 1000, seconds * 1000 - (Date.now() - t0))), exited]);
        // CPU over the window before this sample's GC (the forced GC is the bench's own work, not the extension's).
        const c1 = cpuMs();
        const w1 = performance.now();
        const e1 = events;
        if (stopProfile) {
          profile = await stopProfile();
          stopProfile = undefined;
          log(`  host load profile (${profile.totalMs} ms sampled, ${profile.file}): by script ${profile.byScript.map((x) => `${x.name} ${x.ms}`).join(", ")}; top ${profile.top.map((x) => `${x.name} ${x.ms}`).join("; ")}`);
        }
        gc();
        heap = process.memoryUsage().heapUsed;
        const sample = { t: Math.round((Date.now() - t0) / 1000), heapMB: heap / 1e6, cpuPct: (100 * (c1 - c0)) / (w1 - w0), eventsPerS: ((e1 - e0) * 1000) / (w1 - w0) };
        samples.push(sample);
        log(`  host load t=${sample.t}s: CPU ${sample.cpuPct.toFixed(1)} % of a core at ${Math.round(sample.eventsPerS)} events/s, heap after GC ${sample.heapMB.toFixed(1)} MB`);
        c0 = cpuMs();
        w0 = performance.now();
        e0 = events;
      }
    } finally {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
      }
      await exited;
      sub.dispose();
    }
    await sleep(500); // the stream's last events
    const retained = api.model.objects().reduce((n, o) => n + o.history.length, 0);
    record({ kind: "hostLoad", idlePct, profile, seconds, samples, perRequest, rate, generator: out.trim(), retained, objects: api.model.objects().length });
  });
});
