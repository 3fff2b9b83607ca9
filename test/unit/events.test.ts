import assert from "node:assert/strict";
import { toDisposable } from "../../extension/common/lifecycle";
import type { IDisposable } from "../../extension/common/lifecycle";
import { Emitter } from "../../extension/model/events";

describe("Emitter", () => {
  it("delivers to listeners in order until they unsubscribe", () => {
    const e = new Emitter<number>();
    const got: string[] = [];
    const a = e.event((n) => got.push(`a${n}`));
    const bag: IDisposable[] = [];
    e.event((n) => got.push(`b${n}`), undefined, bag);
    e.fire(1);
    a.dispose();
    e.fire(2);
    for (const d of bag) d.dispose();
    e.fire(3);
    assert.deepEqual(got, ["a1", "b1", "b2"]);
    assert.equal(e.hasListeners, false);
  });

  it("keeps delivering when a listener throws, and surfaces the error afterwards", async () => {
    const e = new Emitter<number>();
    const got: number[] = [];
    e.event(() => {
      throw new Error("listener bug");
    });
    e.event((n) => got.push(n));
    const surfaced = new Promise<unknown>((resolve) => {
      const listeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.once("uncaughtException", (err) => {
        for (const l of listeners) process.on("uncaughtException", l);
        resolve(err);
      });
    });
    e.fire(7);
    assert.deepEqual(got, [7]);
    assert.match(String(await surfaced), /listener bug/);
  });

  it("does nothing after dispose", () => {
    const e = new Emitter<number>();
    let calls = 0;
    e.event(() => calls++);
    e.dispose();
    e.fire(1);
    e.event(() => calls++);
    e.fire(2);
    assert.equal(calls, 0);
  });

  it("toDisposable runs its function once", () => {
    let n = 0;
    const d = toDisposable(() => n++);
    d.dispose();
    d.dispose();
    assert.equal(n, 1);
  });
});
