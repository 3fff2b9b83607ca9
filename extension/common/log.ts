import * as vscode from "vscode";

/** The extension's log: an output channel named "Alarm Inspector" with levels (Output view › Alarm Inspector). */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel("Alarm Inspector", { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
