import * as vscode from "vscode";
import * as path from "node:path";
import { Commands } from "../common/ids";

/**
 * The welcome view's "Copy the Terminal Command": the inspector's CLI ships inside the extension (`dist/cli.js`), not
 * in the user's project, so `npx alarm-inspector dev` would not find it there. The command copies the line that runs
 * the copy this extension carries, for a terminal of the user's own; the view then attaches to it by itself.
 */
export function registerWelcomeCommands(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.copyCliCommand, async () => {
    const cli = path.join(context.extensionPath, "dist", "cli.js");
    const line = `node ${JSON.stringify(cli)} dev`;
    await vscode.env.clipboard.writeText(line);
    vscode.window.setStatusBarMessage("$(terminal) Copied: paste it in a terminal in your Worker's folder", 8000);
    return line;
  });
}
