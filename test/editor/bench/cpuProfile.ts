/**
 * A CPU profile of the extension host taken from inside it (node:inspector's in-process session), for the editor
 * bench's host-load row when ALARM_INSPECTOR_BENCH_PROFILE=1: written as a .cpuprofile (open it in Chrome DevTools or
 * VS Code) and summed up as self time per function and per script, so the bench says where the CPU goes.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import type { Profiler } from "node:inspector";
import { basename } from "node:path";

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by script (basename of its URL, or V8's "(garbage collector)", "(program)", "(idle)"). */
  byScript: { name: string; ms: number }[];
  /** The functions with the most self time. */
  top: { name: string; ms: number }[];
}

/** Starts profiling; the returned function stops, writes `file` and summarizes. */
export async function startCpuProfile(file: string): Promise<() => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await post(session, "Profiler.enable");
  await post(session, "Profiler.setSamplingInterval", { interval: 500 });
  await post(session, "Profiler.start");
  return async () => {
    const { profile } = await post<{ profile: Profiler.Profile }>(session, "Profiler.stop");
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return summarize(profile, file);
  };
}

function summarize(profile: Profiler.Profile, file: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const scripts = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const script = frame.url ? basename(frame.url.split("?")[0]!) : frame.functionName || "(anonymous)";
    const fn = `${frame.functionName || "(anonymous)"} ${frame.url ? `${script}:${frame.lineNumber + 1}` : ""}`.trim();
    scripts.set(script, (scripts.get(script) ?? 0) + us);
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    total += us;
  }
  const sorted = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }));
  return { file, totalMs: Math.round(total / 1000), byScript: sorted(scripts, 8), top: sorted(fns, 12) };
}
