import * as vscode from "vscode";
import type { WireEvent } from "../../protocol/protocol";
import { Commands } from "../common/ids";
import type { Log } from "../common/log";
import type { InspectorConnection } from "../connection/connection";
import { pendingItems } from "../fastForward/pendingItems";
import { planFastForward } from "../fastForward/plan";
import type { PendingItem } from "../fastForward/plan";
import { runFastForward } from "../fastForward/runner";
import type { FastForwardPort, StepResult } from "../fastForward/runner";
import type { AlarmModel } from "../model/alarmModel";
import { formatAbsolute, formatRelative } from "../model/timeInput";

/**
 * Fast-Forward Alarms…: asks for a window, fires everything due in it in time order through the real scheduler, and
 * says what ran and what it left pending (in a notification, the details in the log).
 */
export function registerFastForward(model: AlarmModel, connection: InspectorConnection, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.fastForward, async (minutes?: unknown) => {
    if (connection.state.kind !== "connected") {
      void vscode.window.showErrorMessage("Fast-forward needs a running session: start or attach the Alarm Inspector first.");
      return undefined;
    }
    const windowMin = typeof minutes === "number" ? minutes : await askMinutes();
    if (windowMin === undefined) return undefined;
    const worker = connection.hello?.worker;
    const plan = planFastForward(pendingItems(model, worker), Date.now(), windowMin * 60_000);
    if (plan.steps.length === 0) {
      const next = plan.later[0];
      void vscode.window.showInformationMessage(
        `Nothing is due in the next ${windowMin} min${next ? `; the next is ${next.label}, ${formatRelative(next.time - Date.now())}` : ""}.`,
      );
      return [];
    }
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fast-forwarding ${windowMin} min`, cancellable: true },
      async (progress, token) => {
        const port = portOf(connection);
        try {
          return await runFastForward(plan, port, {
            cancelled: () => token.isCancellationRequested,
            onStep: (done, r) => progress.report({ message: `${done}/${plan.steps.length}: ${r.item.label} ${r.outcome}`, increment: 100 / plan.steps.length }),
          });
        } finally {
          port.dispose();
        }
      },
    );
    report(results, pendingItems(model, worker), log);
    return results;
  });
}

async function askMinutes(): Promise<number | undefined> {
  const input = await vscode.window.showInputBox({
    title: "Fast-forward alarms",
    prompt: "Fire, in time order, every alarm and schedule due in the next how many minutes?",
    value: "10",
    ignoreFocusOut: true,
    validateInput: (v) => (/^\s*\d{1,4}\s*$/.test(v) && Number(v) >= 1 && Number(v) <= 10_080 ? undefined : "Enter whole minutes from 1 to 10080 (a week), e.g. 10."),
  });
  return input === undefined ? undefined : Number(input.trim());
}

/** The connection as the runner needs it: commands out, events in, remembered for the length of one run. */
function portOf(connection: InspectorConnection): FastForwardPort & vscode.Disposable {
  const seen: WireEvent[] = [];
  let last = 0;
  const waiters = new Set<() => void>();
  const sub = connection.onEvents((events) => {
    for (const e of events) {
      seen.push(e);
      if (e.seq > last) last = e.seq;
    }
    for (const w of [...waiters]) w();
  });
  return {
    send: (request) => connection.send(request),
    lastSeq: () => last,
    nextEvent: (afterSeq, match, timeoutMs) =>
      new Promise((resolve) => {
        const look = () => {
          const found = seen.find((e) => e.seq > afterSeq && match(e));
          if (!found) return false;
          done(found);
          return true;
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        const done = (e: WireEvent | undefined) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(e);
        };
        const check = () => void look();
        if (!look()) waiters.add(check);
      }),
    dispose: () => {
      sub.dispose();
      for (const w of waiters) w();
    },
  };
}

function report(results: readonly StepResult[], left: readonly PendingItem[], log: Log): void {
  const now = Date.now();
  log.info(`fast-forward: ${results.length} step(s)`);
  for (const r of results) {
    const retry = r.willRetry ? " (the runtime retries it: left pending)" : "";
    log.info(`  ${formatAbsolute(r.item.time, now)} ${r.item.label}: ${r.outcome}${r.error ? ` — ${r.error}` : ""}${retry}`);
  }
  log.info(`left pending: ${left.length === 0 ? "nothing" : ""}`);
  for (const p of [...left].sort((a, b) => a.time - b.time)) log.info(`  ${p.label} ${formatRelative(p.time - now)} (${formatAbsolute(p.time, now)})`);
  const counts = (o: StepResult["outcome"]) => results.filter((r) => r.outcome === o).length;
  const failed = counts("error") + counts("timeout") + counts("refused");
  const summary = `Fast-forward ran ${results.length}: ${counts("ok")} ok${failed ? `, ${failed} did not succeed` : ""}; ${left.length} left pending.`;
  void vscode.window.showInformationMessage(summary, "Show Details").then((c) => {
    if (c) log.show();
  });
}
