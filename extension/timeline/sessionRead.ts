/**
 * Reading a session file from disk into a model, for a new offline panel or for one restored after a reload.
 */
import * as vscode from "vscode";
import type { AlarmModel } from "../model/alarmModel";
import { formatDateTime } from "../shared/format";
import { decodeSession } from "./sessionDecode";
import { fileName } from "./sessionExport";

/** A session file read, with what its offline panel shows; or what is wrong with it, in a sentence. */
export type SessionRead =
  | { ok: true; model: AlarmModel; title: string; asOf: number; description: string }
  | { ok: false; error: string };

/** Reads and decodes a session file. Never throws: every failure comes back as a message naming the file. */
export async function readSessionFile(uri: vscode.Uri): Promise<SessionRead> {
  const name = fileName(uri);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (err) {
    return { ok: false, error: `${name} could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    const decoded = decodeSession(new TextDecoder("utf-8").decode(bytes), name);
    const asOf = decoded.exportedAt ?? decoded.lastActivity ?? Date.now();
    const when = decoded.exportedAt !== null ? `exported ${formatDateTime(decoded.exportedAt)}` : "no export time";
    return { ok: true, model: decoded.model, title: `Alarm Timeline: ${name}`, asOf, description: `Session file ${name} · ${when} · offline` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
