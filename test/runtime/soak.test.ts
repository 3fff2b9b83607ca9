/**
 * Two minutes of the soak (test/soak/): hundreds of objects, alarms set, overwritten, deleted, failing and retried,
 * fire-now and fail-next through the inspector, a hot reload and a client disconnect, against plain and instrumented
 * Workers at once. Longer runs: `npm run soak -- --minutes N`.
 */
import assert from "node:assert/strict";
import { describeFigures, runSoak } from "../soak/index";
import { DEFAULT_MODEL_OPTIONS } from "../../extension/model/alarmModel";

describe("soak: two minutes of seeded workload, the model against the objects' own logs", function () {
  it("shows every attempt once, loses no event, stays bounded and changes no answer", async function () {
    this.timeout(480_000);
    const f = await runSoak({ minutes: 2 });
    for (const line of describeFigures(f)) console.log(`      ${line}`);
    // The workload did what it claims, or the figures below would compare nothing.
    assert.ok(f.objectsTouched >= 150, `objects: ${f.objectsTouched}`);
    assert.ok(f.inspected.reloads >= 1 && f.inspected.disconnects >= 1, "a hot reload and a disconnect happened");
    assert.ok(f.agentSessions >= 2, "the reload started a new agent session, and the model followed it");
    assert.ok(f.inspected.commandsOk > 20, `commands: ${JSON.stringify(f.inspected)}`);
    assert.ok(f.truthAttempts > 100 && f.injectedFailures > 0, `attempts: ${f.truthAttempts}, injected ${f.injectedFailures}`);
    // The goals.
    assert.equal(f.missing, 0, "attempts the objects ran and the model does not show");
    assert.equal(f.doubled, 0, "attempts the model shows more often than they ran");
    assert.equal(f.droppedAnnounced + f.droppedSilently, 0, "events lost within the default buffer");
    assert.equal(f.answersDiffering, 0, `the Worker answered differently with the inspector: ${JSON.stringify(f.firstDifferences)}`);
    assert.ok(f.modelEvents <= DEFAULT_MODEL_OPTIONS.maxTotalEvents);
    // Loose on purpose: the model's retention bounds it at tens of MB; a leak per event would pass this in hours.
    assert.ok(f.heapEndBytes - f.heapStartBytes < 200 * 1048576, `heap grew from ${f.heapStartBytes} to ${f.heapEndBytes}`);
  });
});
