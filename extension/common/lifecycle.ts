import type * as vscode from "vscode";

/**
 * Base for everything that owns subscriptions: register them once, dispose them all together.
 * (The shape vscode-pull-request-github uses in `src/common/lifecycle.ts`.)
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
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
