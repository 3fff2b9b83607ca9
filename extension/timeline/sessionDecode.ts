/**
 * Reading a session file (an export of the model) into a model, with errors a person can act on. Pure, so the unit
 * tests cover every message; `sessionFile.ts` adds the dialogs and the file system.
 */
import { AlarmModel } from "../model/alarmModel";

/** A session file read back. */
export interface DecodedSession {
  model: AlarmModel;
  /** When the file was exported (ms since the epoch), when it says. */
  exportedAt: number | null;
  /** Latest time anything in the file happened, for the "as of" status of an offline timeline. */
  lastActivity: number | null;
}

/** Thrown for a file that is not a session this build can read; the message names the file and what is wrong. */
export class SessionFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionFileError";
  }
}

/**
 * Parses a session file's text. `name` (the file's base name) starts every error message, so that a message shown on
 * its own still says which file is wrong.
 */
export function decodeSession(text: string, name: string): DecodedSession {
  if (text.trim() === "") throw new SessionFileError(`${name} is empty: it is not an Alarm Inspector session.`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SessionFileError(`${name} is not valid JSON (${err instanceof Error ? err.message : String(err)}): it is not an Alarm Inspector session.`);
  }
  let model: AlarmModel;
  try {
    model = AlarmModel.fromJSON(doc);
  } catch (err) {
    throw new SessionFileError(`${name} cannot be opened: ${err instanceof Error ? err.message : String(err)}`);
  }
  const exportedAt = typeof (doc as { exportedAt?: unknown }).exportedAt === "number" ? ((doc as { exportedAt: number }).exportedAt) : null;
  let lastActivity: number | null = null;
  for (const o of model.objects()) {
    if (o.lastActivity !== null) lastActivity = Math.max(lastActivity ?? o.lastActivity, o.lastActivity);
  }
  return { model, exportedAt, lastActivity };
}
