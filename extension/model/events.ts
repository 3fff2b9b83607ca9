/**
 * A minimal typed event emitter, shaped like `vscode.EventEmitter` so that views can subscribe to the model exactly
 * as they would to an editor event, while the model itself stays free of any `vscode` import (it runs under plain
 * mocha). Its subscriptions are the lifecycle's `IDisposable`s (common/lifecycle.ts), which VS Code takes as they are.
 */
import { toDisposable } from "../common/lifecycle";
import type { IDisposable } from "../common/lifecycle";

/** A subscribable event, call-compatible with `vscode.Event<T>`: returns the subscription to dispose. */
export type Event<T> = (listener: (e: T) => void, thisArgs?: unknown, disposables?: IDisposable[]) => IDisposable;

/**
 * Delivers values to listeners in subscription order.
 *
 * A listener that throws does not stop the others nor the model that fired: the error is re-thrown on a microtask,
 * so it still surfaces (as an uncaught error in tests, in the extension host log at run time).
 */
export class Emitter<T> implements IDisposable {
  private listeners: { fn: (e: T) => void; thisArgs: unknown }[] = [];
  private disposed = false;

  /** Subscribe to this emitter. */
  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    if (this.disposed) return toDisposable(() => undefined);
    const entry = { fn: listener, thisArgs };
    this.listeners.push(entry);
    const subscription = toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== entry);
    });
    disposables?.push(subscription);
    return subscription;
  };

  /** Calls every current listener with `value`. Listeners added during delivery get the next value, not this one. */
  fire(value: T): void {
    if (this.disposed) return;
    // Unsubscribing replaces the array and subscribing appends to it: the listeners current now are this array's
    // first `count`, whatever a listener does, without copying the array at every fire.
    const listeners = this.listeners;
    const count = listeners.length;
    for (let i = 0; i < count; i++) {
      const { fn, thisArgs } = listeners[i] as { fn: (e: T) => void; thisArgs: unknown };
      try {
        fn.call(thisArgs, value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** True while at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Drops every listener; later `fire` calls do nothing. */
  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
