import * as vscode from "vscode";
import type { LauncherProcess } from "./launcherProcess";
import { launcherArgs } from "./launcherProcess";

/**
 * A terminal that shows the launcher's (and so wrangler's) own output, as the user would see it running the command
 * by hand. Closing the terminal stops the session.
 */
export function launcherTerminal(launcher: LauncherProcess, title: string, onClose: () => void): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let opened = false;
  const pending: string[] = [];
  const emit = (text: string) => {
    // A pseudoterminal needs CRLF line ends.
    const crlf = text.replace(/\r?\n/g, "\r\n");
    if (opened) write.fire(crlf);
    else pending.push(crlf);
  };
  const sub = launcher.onOutput(emit);
  void launcher.exited.then((code) => {
    emit(`\n[alarm-inspector exited${code === null ? "" : ` with code ${code}`}]\n`);
  });
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      opened = true;
      write.fire(`\x1b[2m$ node ${launcherArgs(launcher.request).join(" ")}\x1b[0m\r\n`);
      for (const p of pending.splice(0)) write.fire(p);
    },
    close: () => {
      sub.dispose();
      onClose();
    },
    handleInput: (data) => {
      // Ctrl-C in the terminal stops the session, as it would in a shell.
      if (data === "\x03") onClose();
    },
  };
  return vscode.window.createTerminal({ name: title, pty, iconPath: new vscode.ThemeIcon("bell") });
}
