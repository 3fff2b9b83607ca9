/**
 * Runs a workload against one target in real time: each step at its offset (or at once when behind), requests in
 * order, their answers kept for the plain-vs-inspected comparison.
 */
import type { Feed } from "./feed";
import type { Step } from "./workload";
import type { RestartTime, Target } from "./targets";

/** What a request got back. */
export interface Answer {
  status: number;
  body: string;
}

export interface DriveTally {
  requests: number;
  /** Requests sent again after a network failure (the Worker reloading or restarting). */
  resent: number;
  commandsOk: number;
  commandsRefused: number;
  /** Commands not sent: the editor was disconnected at the time, as a user's would be. */
  commandsSkipped: number;
  reloads: number;
  restarts: number;
  /** How long each restart took to stop and to start again, ms. */
  restartTimes: RestartTime[];
  disconnects: number;
  /** Most behind schedule a step started, ms. */
  maxLagMs: number;
}

function path(step: Step): string | undefined {
  switch (step.kind) {
    case "set":
      return `/set/${step.name}?inMs=${step.inMs}&fails=${step.fails}`;
    case "delete":
      return `/delete/${step.name}`;
    case "put":
      return `/put/${step.name}?key=${step.key}&value=${step.value}`;
    case "get":
      return `/get/${step.name}?key=${step.key}`;
    default:
      return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one request, again (up to a minute) while the Worker is reloading or restarting and cannot answer. */
async function request(target: Target, p: string, tally: DriveTally): Promise<Answer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(target.url() + p, { signal: AbortSignal.timeout(20_000) });
      const body = await r.text();
      // wrangler answers 503 while a reload is under way; the request did not reach the Worker.
      if (r.status !== 503) return { status: r.status, body };
    } catch {
      // refused or reset: the Worker is between builds or processes
    }
    if (Date.now() > deadline) return { status: 0, body: "no answer within a minute" };
    tally.resent++;
    await sleep(250);
  }
}

export async function drive(target: Target, steps: readonly Step[], feed?: Feed): Promise<{ answers: Answer[]; tally: DriveTally }> {
  const tally: DriveTally = { requests: 0, resent: 0, commandsOk: 0, commandsRefused: 0, commandsSkipped: 0, reloads: 0, restarts: 0, restartTimes: [], disconnects: 0, maxLagMs: 0 };
  const answers: Answer[] = [];
  const background: Promise<unknown>[] = [];
  const t0 = Date.now();
  for (const step of steps) {
    const wait = t0 + step.at - Date.now();
    if (wait > 0) await sleep(wait);
    else tally.maxLagMs = Math.max(tally.maxLagMs, -wait);
    const p = path(step);
    if (p !== undefined) {
      tally.requests++;
      answers.push(await request(target, p, tally));
      continue;
    }
    switch (step.kind) {
      case "fireNow":
      case "failNext": {
        if (!feed) break;
        if (feed.connection.state.kind !== "connected") {
          tally.commandsSkipped++;
          break;
        }
        const target = { className: "Soak", name: step.name };
        const sent = step.kind === "fireNow" ? feed.connection.send({ op: "fireNow", target }) : feed.connection.send({ op: "failNext", target, count: 1 });
        await sent.then(
          () => tally.commandsOk++,
          () => tally.commandsRefused++,
        );
        break;
      }
      case "reload":
        tally.reloads++;
        target.reload(`reload ${tally.reloads}`);
        break;
      case "restart":
        tally.restarts++;
        tally.restartTimes.push(await target.restart());
        break;
      case "disconnect":
        if (!feed) break;
        tally.disconnects++;
        feed.connection.detach();
        background.push(sleep(step.forMs).then(() => feed.attach()));
        break;
    }
  }
  await Promise.all(background);
  return { answers, tally };
}
