/**
 * Drive the workbench's UI from a test running inside the extension host, as a person would.
 *
 * The extension host is Node and has no handle on the browser that shows the workbench. test/editor/run.mjs owns that
 * browser (Playwright + headless Chromium) and serves a tiny HTTP bridge on 127.0.0.1 (test/editor/uiBridge.mjs),
 * whose URL arrives here as `ALARM_INSPECTOR_UI_BRIDGE`. Each helper below is one JSON POST to it.
 *
 * Selectors are Playwright selectors against the workbench page (CSS plus Playwright's `:has-text()`, `:visible`, …);
 * the `frame*` helpers look inside the visible webview's content frame instead. Prefer the builders in `sel` to
 * hand-written selectors, so a change in the workbench's DOM is fixed in one place.
 */
import * as http from "node:http";
import { format } from "node:util";

/**
 * Starts every line `log` prints. The extension host's console reaches test/editor/run.mjs only as the workbench's own
 * log lines, mixed with the workbench's chatter (and VS Code does not let a host replace `console.log`), so run.mjs
 * shows the lines with this mark and hides the rest unless --verbose. Keep it in step with HOST_MARK in run.mjs.
 */
export const HOST_MARK = "[editor-test] ";

/**
 * Print from a test so that `npm run test:editor` shows it (plain `console.log` shows only with --verbose). Formats
 * like `console.log` does: the workbench would print `%s` placeholders raw.
 */
export function log(...args: unknown[]): void {
  console.log(HOST_MARK + format(...args));
}

/** What every bridge op may say about the element it acts on. */
export interface TargetOptions {
  /** Only elements whose text contains this (case-insensitive). */
  text?: string;
  /** How long to wait for the element (the bridge defaults to 10 s and caps at 120 s). */
  timeoutMs?: number;
}

/** Options of `waitFor`. */
export interface WaitOptions extends TargetOptions {
  /** What to wait for; `visible` unless said. */
  state?: "visible" | "attached" | "hidden" | "detached";
}

/** One request to the bridge. Mirrors `handlers()` in test/editor/uiBridge.mjs. */
export type BridgeCommand =
  | ({ op: "click" | "rightClick" | "hover" | "text" | "count" | "frameText" | "frameClick" | "frameCount"; selector: string } & TargetOptions)
  | ({ op: "waitFor" | "frameWaitFor"; selector: string } & WaitOptions)
  | { op: "screenshot"; name: string; selector?: string; timeoutMs?: number }
  | { op: "press"; key: string }
  | { op: "type"; text: string }
  | { op: "texts"; selectors: string[] }
  | { op: "firstScreen" }
  // Used by the editor bench (test/editor/bench/): a row's text changes, timed in the page.
  | { op: "watchRow"; text: string }
  | { op: "rowChanges" };

/** Notes of the first-screen watcher: times are ms since the page started. */
export interface FirstScreenNotes {
  /** Each distinct first line the view's welcome content showed, in order. */
  welcome: { t: number; text: string }[];
  /** Moments the title bar showed Start and Stop together. */
  startAndStop: number[];
  /** Moments the welcome content said "No wrangler config". */
  noConfig: number[];
  checks: number;
}

/** The bridge's answer. */
export interface BridgeReply {
  ok: boolean;
  value?: string | number;
  error?: string;
}

const BRIDGE_ENV = "ALARM_INSPECTOR_UI_BRIDGE";

/** Quote a string for a CSS attribute value or Playwright's `:has-text()`. */
export function cssString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Selectors for the parts of the workbench tests touch most. General on purpose: they hold across VS Code releases. */
export const sel = {
  /** The workbench root, present once the window has rendered. */
  workbench: ".monaco-workbench",
  /** The activity bar (the icon strip on the left). */
  activityBar: ".part.activitybar",
  /** An activity bar icon whose accessible label starts with `label` ("Explorer", "Alarm Inspector", …). */
  activityBarItem: (label: string): string => `.part.activitybar .action-item a[aria-label^=${cssString(label)}]`,
  /** The side bar's title ("EXPLORER", …). */
  sideBarTitle: ".part.sidebar .composite.title",
  /** Every row of every tree or list in the side bar's views. */
  treeRow: ".pane-body .monaco-list-row",
  /** The tree rows whose text contains `text`. */
  treeRowWith: (text: string): string => `.pane-body .monaco-list-row:has-text(${cssString(text)})`,
  /** An inline action (the icon buttons on a hovered row or view title) by its label. */
  inlineAction: (label: string): string => `.actions .action-label[aria-label=${cssString(label)}]`,
  /** The inline action `label` on the tree row containing `rowText`. Hover the row first: they show on hover. */
  rowInlineAction: (rowText: string, label: string): string =>
    `.pane-body .monaco-list-row:has-text(${cssString(rowText)}) .actions .action-label[aria-label=${cssString(label)}]`,
  /** Editor tabs. */
  tab: ".tabs-container .tab",
  /** Notification toasts. */
  notification: ".notifications-toasts .notification-toast",
  /**
   * The status bar's bell, which opens the notification center. The editor tier's workbench shows no toasts (see
   * `ui.notification`): their notifications are in the center, where a person finds them too.
   */
  notificationsBell: '.part.statusbar [id="status.notifications"]',
  /** A notification in the center whose text contains `text`. */
  centerNotification: (text: string): string => `.notifications-center .notification-list-item:has-text(${cssString(text)})`,
  /** The quick input (command palette, quick picks). */
  quickInput: ".quick-input-widget",
  /** The status bar. */
  statusBarItem: ".part.statusbar .statusbar-item",
} as const;

/** True when the tests run under test/editor/run.mjs, which serves the bridge. */
export function uiAvailable(): boolean {
  return Boolean(process.env[BRIDGE_ENV]);
}

/** Send one command; resolve with its value, or reject with the bridge's error (which names a failure screenshot). */
export function send(command: BridgeCommand): Promise<BridgeReply["value"]> {
  const url = process.env[BRIDGE_ENV];
  if (!url) {
    return Promise.reject(new Error(`${BRIDGE_ENV} is not set: UI tests run only under test/editor/run.mjs (npm run test:editor)`));
  }
  const body = JSON.stringify(command);
  const waitMs = "timeoutMs" in command && command.timeoutMs ? command.timeoutMs : 10_000;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      // The bridge bounds every op by its own timeout; ours only catches a bridge that stopped answering.
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: waitMs + 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let reply: BridgeReply;
          try {
            reply = JSON.parse(Buffer.concat(chunks).toString("utf8")) as BridgeReply;
          } catch {
            return reject(new Error(`ui ${command.op}: the bridge answered HTTP ${res.statusCode} with no JSON`));
          }
          if (reply.ok) resolve(reply.value);
          else reject(new Error(`ui ${command.op} ${targetOf(command)}: ${reply.error ?? "failed"}`));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`ui ${command.op}: the bridge did not answer`)));
    req.on("error", reject);
    req.end(body);
  });
}

function targetOf(command: BridgeCommand): string {
  if ("selector" in command && command.selector) return command.selector;
  if ("key" in command) return command.key;
  if ("name" in command) return command.name;
  return "";
}

/** The UI helpers. Every one waits for its element first (up to `timeoutMs`), like Playwright's own locators. */
export const ui = {
  /** Click the first element matching `selector` (and `text`). */
  async click(selector: string, options: TargetOptions = {}): Promise<void> {
    await send({ op: "click", selector, ...options });
  },
  /** Right-click it (opens a tree row's context menu). */
  async rightClick(selector: string, options: TargetOptions = {}): Promise<void> {
    await send({ op: "rightClick", selector, ...options });
  },
  /**
   * Right-click a tree row and choose `item` from its context menu. VS Code's menus ignore a click that comes too soon
   * after they open (it protects against the right button's release choosing an item), so the click is repeated
   * until the menu closes, as a person clicks again when nothing happened.
   */
  async contextMenu(rowText: string, item: string, options: Pick<TargetOptions, "timeoutMs"> = {}): Promise<void> {
    const menu = ".context-view .monaco-menu";
    const entry = `${menu} .action-menu-item:has-text(${cssString(item)})`;
    await send({ op: "rightClick", selector: sel.treeRowWith(rowText), ...options });
    await send({ op: "waitFor", selector: entry, ...options });
    for (let attempt = 1; ; attempt++) {
      await send({ op: "hover", selector: entry, timeoutMs: 2000 });
      await send({ op: "click", selector: entry, timeoutMs: 2000 }).catch(() => undefined);
      try {
        await send({ op: "waitFor", selector: menu, state: "hidden", timeoutMs: 700 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  },
  /** Move the mouse over it: tree rows show their inline actions only on hover. */
  async hover(selector: string, options: TargetOptions = {}): Promise<void> {
    await send({ op: "hover", selector, ...options });
  },
  /** Wait until the element is visible (or `state`). Rejects after `timeoutMs`. */
  async waitFor(selector: string, options: WaitOptions = {}): Promise<void> {
    await send({ op: "waitFor", selector, ...options });
  },
  /** The rendered text (`innerText`) of the first match. */
  async text(selector: string, options: TargetOptions = {}): Promise<string> {
    return String(await send({ op: "text", selector, ...options }));
  },
  /** How many elements match now (does not wait). */
  async count(selector: string, options: Pick<TargetOptions, "text"> = {}): Promise<number> {
    return Number(await send({ op: "count", selector, ...options }));
  },
  /** Press a key or chord on the focused element: "Enter", "Escape", "Control+Shift+P". */
  async press(key: string): Promise<void> {
    await send({ op: "press", key });
  },
  /** Type text into the focused element, key by key. */
  async type(text: string): Promise<void> {
    await send({ op: "type", text });
  },
  /** Save a PNG of the page (or of one element) as `test-artifacts/editor/<name>.png`; resolves with its path. */
  async screenshot(name: string, options: { selector?: string; timeoutMs?: number } = {}): Promise<string> {
    return String(await send({ op: "screenshot", name, ...options }));
  },
  /** The rendered text of an element inside the visible webview. */
  async frameText(selector: string, options: TargetOptions = {}): Promise<string> {
    return String(await send({ op: "frameText", selector, ...options }));
  },
  /** Click an element inside the visible webview. */
  async frameClick(selector: string, options: TargetOptions = {}): Promise<void> {
    await send({ op: "frameClick", selector, ...options });
  },
  /** Wait for an element inside the visible webview. */
  async frameWaitFor(selector: string, options: WaitOptions = {}): Promise<void> {
    await send({ op: "frameWaitFor", selector, ...options });
  },
  /** How many elements inside the visible webview match now. */
  async frameCount(selector: string, options: Pick<TargetOptions, "text"> = {}): Promise<number> {
    return Number(await send({ op: "frameCount", selector, ...options }));
  },
  /** The innerText of every element matching each CSS selector (plain CSS), all read at one moment of the page. */
  async texts(...selectors: string[]): Promise<string[][]> {
    return JSON.parse(String(await send({ op: "texts", selectors }))) as string[][];
  },
  /** What the Alarms view showed from the page's first paint on (test/editor/firstScreen.mjs). */
  async firstScreen(): Promise<FirstScreenNotes> {
    return JSON.parse(String(await send({ op: "firstScreen" }))) as FirstScreenNotes;
  },
  /**
   * Click a button of a notification as a person does when toasts are not shown (the editor tier's workbench runs
   * with the smoke-test driver, which keeps notifications out of toasts): open the center from the status bar's
   * bell, and click `button` on the notification that says `text`. The center is closed again after.
   */
  async clickNotificationButton(text: string, button: string, options: Pick<TargetOptions, "timeoutMs"> = {}): Promise<void> {
    const item = sel.centerNotification(text);
    const visible = await send({ op: "count", selector: `${item}:visible` });
    if (Number(visible) === 0) await send({ op: "click", selector: sel.notificationsBell, ...options });
    await send({ op: "waitFor", selector: item, ...options });
    await send({ op: "hover", selector: item, ...options });
    await send({ op: "click", selector: `${item} .monaco-button:has-text(${cssString(button)})`, ...options });
  },
  /** Hover a tree row, then click one of its inline actions: what a person does to act on one item. */
  async clickRowAction(rowText: string, actionLabel: string, options: Pick<TargetOptions, "timeoutMs"> = {}): Promise<void> {
    await send({ op: "hover", selector: sel.treeRowWith(rowText), ...options });
    await send({ op: "click", selector: sel.rowInlineAction(rowText, actionLabel), ...options });
  },
};
