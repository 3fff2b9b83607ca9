/**
 * Every id the manifest and the code share, declared once. `package.json` must list the same strings; the unit test
 * `manifest.test.ts` checks that they agree.
 */
export const VIEW_ID = "alarmInspector.alarms";
export const VIEW_CONTAINER_ID = "alarmInspector";

export const Commands = {
  copyCliCommand: "alarmInspector.copyCliCommand",
  start: "alarmInspector.start",
  attach: "alarmInspector.attach",
  stop: "alarmInspector.stop",
  reconnect: "alarmInspector.reconnect",
  refresh: "alarmInspector.refresh",
  showLog: "alarmInspector.showLog",
  fireNow: "alarmInspector.fireNow",
  reschedule: "alarmInspector.reschedule",
  deleteAlarm: "alarmInspector.deleteAlarm",
  failNext: "alarmInspector.failNext",
  copyObjectId: "alarmInspector.copyObjectId",
  showStorage: "alarmInspector.showStorage",
  openTimeline: "alarmInspector.openTimeline",
  exportSession: "alarmInspector.exportSession",
  openSessionFile: "alarmInspector.openSessionFile",
  scheduleRunNow: "alarmInspector.scheduleRunNow",
  scheduleCancel: "alarmInspector.scheduleCancel",
  scheduleReschedule: "alarmInspector.scheduleReschedule",
  holdNext: "alarmInspector.holdNext",
  holdContinue: "alarmInspector.holdContinue",
  holdFail: "alarmInspector.holdFail",
  holdSkip: "alarmInspector.holdSkip",
  fastForward: "alarmInspector.fastForward",
  debugNext: "alarmInspector.debugNext",
} as const;

/**
 * Ids of the editor features' internal commands (`extension/editor/editorCommands.ts` registers them): invoked by
 * lenses and views, not listed in the Command Palette, so the manifest does not declare them.
 */
export const EditorCommands = {
  /** `(className, worker?)`: fire the alarm of an object of the class; asks which one when there are several. */
  fireNowForClass: "alarmInspector.editor.fireNow",
  /** `(className, worker?)`: open the timeline of the class's most recently active object. */
  openTimelineForClass: "alarmInspector.editor.openTimeline",
  /**
   * `(SourceLocation)` or `({ objectKey, session, seq })`: open the user's line an event came from (for an attempt's
   * `alarm.start`, the line that threw or its first call).
   */
  openSource: "alarmInspector.openSource",
  /**
   * `(frames: { file?, line?, column? }[])` → the same frames, those of wrangler's bundle that map to the user's source
   * rewritten to it (file, line, column) and marked `openable`; the others unchanged.
   */
  resolveFrames: "alarmInspector.resolveFrames",
} as const;

/** Context keys read by `when` clauses (welcome views, menus). */
export const ContextKeys = {
  hasConfig: "alarmInspector.hasConfig",
  state: "alarmInspector.state",
  hasObjects: "alarmInspector.hasObjects",
  launched: "alarmInspector.launched",
  /** An attempt is held (the timeline's Continue/Fail/Skip buttons). */
  held: "alarmInspector.held",
  /**
   * Set once the workspace has been searched for a wrangler config: until then the view says it is looking, rather
   * than "no wrangler config" in a folder that has one (every other welcome content waits for it).
   */
  ready: "alarmInspector.ready",
} as const;

/**
 * Tree item `contextValue`s: a base name plus `+flag` suffixes for states, matched in `when` clauses with regular
 * expressions (`viewItem =~ /^object\b.*\+alarm/`), as gitlens does.
 */
export const ItemKinds = {
  worker: "worker",
  class: "class",
  object: "object",
  alarm: "alarm",
  run: "run",
  attempt: "attempt",
  storageGroup: "storageGroup",
  storage: "storage",
  schedule: "schedule",
  scheduleRun: "scheduleRun",
} as const;

export type ItemFlag = "alarm" | "overdue" | "running" | "retrying" | "abandoned" | "injected" | "notLive" | "offline" | "noHandler" | "noRpc" | "pending" | "pattern" | "held" | "holdArmed";

export function contextValue(kind: (typeof ItemKinds)[keyof typeof ItemKinds], flags: readonly ItemFlag[] = []): string {
  return [kind, ...flags.map((f) => `+${f}`)].join("");
}
