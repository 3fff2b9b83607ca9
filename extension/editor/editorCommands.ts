/**
 * Commands behind the CodeLenses, and the two that let other views use the source locations: open an event's line,
 * and map stack frames of wrangler's bundle to the user's source (for the timeline's error frames). They are
 * internal (invoked by lenses and views, not listed in the Command Palette), so the manifest does not declare them.
 */
import * as vscode from "vscode";
import { Commands, EditorCommands } from "../common/ids";
import type { AlarmModel } from "../model/alarmModel";
import { objectLabel } from "../model/objectLabel";
import type { ObjectKey, ObjectView } from "../model/types";
import type { SourceLocation } from "../sourcemap/mapFrame";
import { attemptAwareLocation } from "../sourcemap/sourceLocator";
import type { SourceLocator } from "../sourcemap/sourceLocator";
import { statusText } from "../views/describe";

/** What `openSource` accepts: a location, or an event by object and (session, seq). */
export type OpenSourceArg = SourceLocation | { objectKey: ObjectKey; session: string; seq: number };

/** A stack frame as views carry it (the timeline's `StackFrame` has this shape). */
export interface FrameLike {
  file?: string;
  line?: number;
  column?: number;
  openable?: boolean;
}

/** The objects of a class in the current worker (or the given one), most recently active first. */
export function objectsOfClass(model: AlarmModel, className: string, worker?: string): ObjectView[] {
  const w = worker ?? model.currentSession?.worker;
  return model
    .objects()
    .filter((o) => o.ref.className === className && (w === undefined || o.worker === w))
    .sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0));
}

/** Opens a file at a 1-based line and column, selecting nothing, in the active editor group. */
export async function openLocation(loc: SourceLocation): Promise<vscode.TextEditor> {
  const pos = new vscode.Position(Math.max(0, loc.line - 1), Math.max(0, loc.column - 1));
  return vscode.window.showTextDocument(vscode.Uri.file(loc.file), { selection: new vscode.Range(pos, pos), preview: true });
}

function isLocation(v: unknown): v is SourceLocation {
  return typeof v === "object" && v !== null && typeof (v as SourceLocation).file === "string" && typeof (v as SourceLocation).line === "number";
}

/** Registers the editor commands. */
export function registerEditorCommands(model: AlarmModel, locator: SourceLocator): vscode.Disposable[] {
  const pick = async (className: string, worker: string | undefined, purpose: string): Promise<ObjectView | undefined> => {
    const objects = objectsOfClass(model, className, worker);
    if (objects.length === 0) {
      void vscode.window.showInformationMessage(`No ${className} object has done anything yet: send your Worker a request that reaches one.`);
      return undefined;
    }
    if (objects.length === 1) return objects[0];
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      objects.map((o) => ({ label: objectLabel(o.ref), description: statusText(model.status(o, now), now), obj: o })),
      { title: `${purpose}: which ${className}?`, placeHolder: `${objects.length} ${className} objects` },
    );
    return picked?.obj;
  };

  return [
    vscode.commands.registerCommand(EditorCommands.fireNowForClass, async (className: string, worker?: string) => {
      const obj = await pick(className, worker, "Fire now");
      if (obj) return vscode.commands.executeCommand(Commands.fireNow, obj.key);
      return undefined;
    }),
    vscode.commands.registerCommand(EditorCommands.openTimelineForClass, (className: string, worker?: string) => {
      const obj = objectsOfClass(model, className, worker)[0];
      return vscode.commands.executeCommand(Commands.openTimeline, obj?.key);
    }),
    vscode.commands.registerCommand(EditorCommands.openSource, async (arg: OpenSourceArg) => {
      let loc: SourceLocation | undefined;
      if (isLocation(arg)) loc = arg;
      else if (arg && typeof arg === "object") {
        const obj = model.getObject(arg.objectKey);
        if (obj) {
          await locator.flush();
          loc = attemptAwareLocation(obj.history, arg.session, arg.seq, (r) => locator.locationOf(r, arg.objectKey));
        }
      }
      if (!loc) {
        void vscode.window.showInformationMessage("No line of your code is known for this event (it came from the inspector, or its stack was not captured).");
        return undefined;
      }
      return openLocation(loc);
    }),
    vscode.commands.registerCommand(EditorCommands.resolveFrames, async (frames: FrameLike[]) => {
      if (!Array.isArray(frames)) return [];
      return Promise.all(
        frames.map(async (f) => {
          if (typeof f?.file !== "string" || typeof f.line !== "number") return f;
          const loc = await locator.resolve(f.file, f.line, f.column);
          // Frames that are not the user's code are handed back as they came: the caller decides what to do with them.
          return loc ? { ...f, file: loc.file, line: loc.line, column: loc.column, openable: true } : f;
        }),
      );
    }),
  ];
}
