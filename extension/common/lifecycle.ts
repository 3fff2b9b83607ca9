/**
 * The one lifecycle of the extension: what holds a resource is an `IDisposable`, what owns several registers them
 * with the `Disposable` base and disposes them together. Free of `vscode` (and of Node), so the model and the
 * timeline host use it under plain mocha; VS Code's disposables have the same shape (`dispose()`), so they register
 * here as they are, and these go wherever VS Code wants one, with no adapter.
 */

/** Something that holds a resource or subscription until `dispose()` is called. */
export interface IDisposable {
  dispose(): void;
}

/** Wraps a function as an `IDisposable` that runs it at most once. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose(): void {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Calls `fn` every `ms` until disposed. */
export function disposableInterval(fn: () => void, ms: number): IDisposable {
  const timer = setInterval(fn, ms);
  return toDisposable(() => clearInterval(timer));
}

/**
 * A timeout that is armed again and again (a throttle, a debounce, a step of background work); disposing it clears
 * the pending one, and a disposed timeout is not armed again.
 */
export class Timeout implements IDisposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** True while a call is waiting. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Calls `fn` after `ms`, unless one is pending already (it is kept: the first call wins, as a throttle wants). */
  arm(fn: () => void, ms: number): void {
    if (this.timer !== undefined || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Base for everything that owns subscriptions: register them once, dispose them all together, last registered
 * first. (The shape vscode-pull-request-github uses in `src/common/lifecycle.ts`.)
 */
export abstract class Disposable implements IDisposable {
  private readonly disposables: IDisposable[] = [];
  private disposed = false;

  /** Registers `d` to be disposed with this; disposes it at once when this is disposed already. */
  protected _register<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.disposables.push(d);
    return d;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposal must not keep the others alive
      }
    }
  }
}
