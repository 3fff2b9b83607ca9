import assert from "node:assert/strict";
import { formatAbsolute, formatDuration, formatInputTime, formatRelative, parseWhen } from "../../extension/model/timeInput";

/** A fixed "now": 2026-11-23 09:00:00 local time, whatever the machine's zone. */
const NOW = new Date(2026, 10, 23, 9, 0, 0).getTime();

describe("parseWhen", () => {
  const accepted: [input: string, expected: number][] = [
    ["now", NOW],
    ["  NOW ", NOW],
    ["+30s", NOW + 30_000],
    ["+5m", NOW + 300_000],
    ["+2h", NOW + 7_200_000],
    ["+1d", NOW + 86_400_000],
    ["+1500ms", NOW + 1500],
    ["+1m30s", NOW + 90_000],
    ["+1h 2m 3s", NOW + 3_723_000],
    ["+1.5m", NOW + 90_000],
    ["30s", NOW + 30_000],
    ["+0s", NOW],
    ["2026-11-23T10:00", new Date(2026, 10, 23, 10, 0).getTime()],
    ["2026-11-23 10:00", new Date(2026, 10, 23, 10, 0).getTime()],
    ["2026-11-23T10:00:30", new Date(2026, 10, 23, 10, 0, 30).getTime()],
    ["2026-11-23T10:00:30.250", new Date(2026, 10, 23, 10, 0, 30, 250).getTime()],
    ["2026-11-24", new Date(2026, 10, 24).getTime()],
    ["2026-11-23T10:00Z", Date.UTC(2026, 10, 23, 10, 0)],
    ["2026-11-23T10:00:00z", Date.UTC(2026, 10, 23, 10, 0)],
    ["2026-11-23T10:00+02:00", Date.UTC(2026, 10, 23, 8, 0)],
    ["2026-11-23T10:00-0530", Date.UTC(2026, 10, 23, 15, 30)],
    ["1795424400000", 1795424400000],
    ["1795424400", 1795424400000],
    // In the past: accepted, the runtime runs it at once.
    ["2026-11-22T10:00", new Date(2026, 10, 22, 10, 0).getTime()],
  ];
  for (const [input, expected] of accepted) {
    it(`reads ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseWhen(input, NOW), { ok: true, time: expected });
    });
  }

  const refused: [input: string, message: RegExp][] = [
    ["", /^Type when the alarm should run: use \+30s/],
    ["   ", /^Type when the alarm should run/],
    ["+5x", /^“\+5x” is not a duration: use \+30s, \+5m, \+2h, a date like 2026-11-23T10:00, or an epoch in ms$/],
    ["+5", /^“\+5” is not a duration \(add a unit: 5s, 5m…\)/],
    ["+", /^“\+” is not a duration/],
    ["+5min", /is not a duration/],
    ["-5m", /counts back from now: durations count forward, like \+30s; to run it at once, type now/],
    ["NaN", /^“NaN” is not a time: use \+30s/],
    ["Infinity", /is not a time/],
    ["tomorrow", /^“tomorrow” is not a time/],
    ["12345", /an epoch needs 13 digits \(ms\) or 10 digits \(seconds\)/],
    ["2026-13-01T10:00", /has month 13: months run from 01 to 12/],
    ["2026-02-30T10:00", /has day 30, but that month has 28 days/],
    ["2026-11-23T25:00", /hours run 00–23/],
    ["2026-11-23T10:00+19:00", /offsets run from -18:00 to \+18:00/],
    ["2026-11-23T10", /is not a date-time: write it as 2026-11-23T10:00/],
    ["+3660d", /years ahead: pick a time within 10 years of now/],
    ["2046-11-23T10:00", /is 20 years ahead/],
    ["0000000001", /years ago: pick a time within 10 years of now \(an epoch needs 13 digits in ms, or 10 in seconds\)/],
  ];
  for (const [input, message] of refused) {
    it(`refuses ${JSON.stringify(input)} with a clear message`, () => {
      const r = parseWhen(input, NOW);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, message);
    });
  }

  it("shortens long input in messages", () => {
    const r = parseWhen("x".repeat(200), NOW);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.message.length < 150, r.message);
  });
});

describe("formatting times", () => {
  const durations: [number, string][] = [
    [0, "0ms"],
    [250, "250ms"],
    [1500, "1.5s"],
    [9_999, "9.9s"],
    [45_000, "45s"],
    [130_000, "2m 10s"],
    [3_600_000, "1h"],
    [3_723_000, "1h 2m"],
    [90_061_000, "1d 1h"],
  ];
  for (const [ms, text] of durations) it(`formatDuration(${ms}) is ${text}`, () => assert.equal(formatDuration(ms), text));

  it("formats relative times", () => {
    assert.equal(formatRelative(130_000), "in 2m 10s");
    assert.equal(formatRelative(-3000), "3s ago");
    assert.equal(formatRelative(-5000, { past: "overdue" }), "overdue by 5s");
    assert.equal(formatRelative(400), "now");
    assert.equal(formatRelative(Number.NaN), "—");
  });

  it("formats absolute times in local time, the date only when it is not today", () => {
    const t = new Date(2026, 10, 23, 10, 0, 5).getTime();
    assert.equal(formatAbsolute(t), "2026-11-23 10:00:05");
    assert.equal(formatAbsolute(t, NOW), "10:00:05");
    assert.equal(formatAbsolute(t, NOW + 86_400_000), "2026-11-23 10:00:05");
  });

  it("offers an input time that parseWhen reads back", () => {
    const t = new Date(2026, 10, 23, 10, 0, 5).getTime();
    assert.equal(formatInputTime(t), "2026-11-23T10:00:05");
    assert.deepEqual(parseWhen(formatInputTime(t), NOW), { ok: true, time: t });
  });
});
