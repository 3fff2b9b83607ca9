/**
 * The timeline webview in headless Chromium, without VS Code: the real page (`timelineHtml`, same CSP), the real
 * bundle (dist/webview/timeline.js), and the real host logic (`TimelineHost`) answering over the DevTools protocol of
 * a Playwright page, with `acquireVsCodeApi` stood in by a prelude script. Used by `npm run bench` and by the webview's safety test; it also
 * takes the screenshots used to look at the themes.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { TimelineHost } from "../../extension/timeline/timelineHost";
import type { TimelineHostModel, TimelineHostOptions } from "../../extension/timeline/timelineHost";
import type { ToWebviewMessage } from "../../extension/shared/timelineMessages";
import { timelineHtml } from "../../extension/timeline/webviewHtml";

/** The repository root, found from the working directory (npm scripts and mocha run there). */
export const REPO = resolve(process.cwd());
/** The bundle the page loads. */
export const WEBVIEW_JS = join(REPO, "dist", "webview", "timeline.js");

/** A theme: the `--vscode-*` values VS Code would set, and the body class it would use. */
export interface ThemeSpec {
  bodyClass: string;
  vars: Record<string, string>;
}

const COMMON = {
  "--vscode-font-family": "system-ui, -apple-system, 'Segoe UI', Ubuntu, sans-serif",
  "--vscode-font-size": "13px",
  "--vscode-editor-font-family": "'DejaVu Sans Mono', Menlo, Consolas, monospace",
  "--vscode-editor-font-size": "12px",
};

/** VS Code's Dark Modern and Light Modern colours (the subset the timeline uses), and High Contrast. */
export const THEMES: Record<"dark" | "light" | "highContrast", ThemeSpec> = {
  dark: {
    bodyClass: "vscode-dark",
    vars: {
      ...COMMON,
      "--vscode-editor-background": "#1f1f1f",
      "--vscode-editor-foreground": "#cccccc",
      "--vscode-foreground": "#cccccc",
      "--vscode-descriptionForeground": "#9d9d9d",
      "--vscode-disabledForeground": "#cccccc80",
      "--vscode-editorIndentGuide-background1": "#404040",
      "--vscode-panel-border": "#2b2b2b",
      "--vscode-sideBarSectionHeader-background": "#181818",
      "--vscode-sideBar-background": "#181818",
      "--vscode-list-hoverBackground": "#2a2d2e",
      "--vscode-list-activeSelectionBackground": "#04395e",
      "--vscode-charts-green": "#89d185",
      "--vscode-charts-red": "#f14c4c",
      "--vscode-charts-blue": "#3794ff",
      "--vscode-charts-orange": "#d18616",
      "--vscode-charts-purple": "#b180d7",
      "--vscode-charts-yellow": "#cca700",
      "--vscode-editorCursor-foreground": "#aeafad",
      "--vscode-focusBorder": "#0078d4",
      "--vscode-editor-findMatchHighlightBackground": "#623315",
      "--vscode-icon-foreground": "#cccccc",
      "--vscode-toolbar-hoverBackground": "#5a5d5e50",
      "--vscode-inputOption-activeBackground": "#2489db82",
      "--vscode-inputOption-activeBorder": "#2488db",
      "--vscode-input-background": "#313131",
      "--vscode-input-border": "#3c3c3c",
      "--vscode-input-foreground": "#cccccc",
      "--vscode-input-placeholderForeground": "#989898",
      "--vscode-editorWidget-background": "#202020",
      "--vscode-widget-border": "#313131",
      "--vscode-editorHoverWidget-background": "#202020",
      "--vscode-editorHoverWidget-border": "#454545",
      "--vscode-badge-background": "#616161",
      "--vscode-badge-foreground": "#f8f8f8",
      "--vscode-textLink-foreground": "#4daafc",
      "--vscode-errorForeground": "#f85149",
      "--vscode-inputValidation-errorBackground": "#5a1d1d",
      "--vscode-testing-iconPassed": "#73c991",
      "--vscode-editorWarning-foreground": "#cca700",
      "--vscode-gitDecoration-addedResourceForeground": "#81b88b",
      "--vscode-gitDecoration-deletedResourceForeground": "#c74e39",
      "--vscode-keybindingLabel-background": "#8080802b",
      "--vscode-keybindingLabel-border": "#33333399",
    },
  },
  light: {
    bodyClass: "vscode-light",
    vars: {
      ...COMMON,
      "--vscode-editor-background": "#ffffff",
      "--vscode-editor-foreground": "#3b3b3b",
      "--vscode-foreground": "#3b3b3b",
      "--vscode-descriptionForeground": "#717171",
      "--vscode-disabledForeground": "#61616180",
      "--vscode-editorIndentGuide-background1": "#d3d3d3",
      "--vscode-panel-border": "#e5e5e5",
      "--vscode-sideBarSectionHeader-background": "#f8f8f8",
      "--vscode-sideBar-background": "#f8f8f8",
      "--vscode-list-hoverBackground": "#f2f2f2",
      "--vscode-list-activeSelectionBackground": "#e8e8e8",
      "--vscode-charts-green": "#388a34",
      "--vscode-charts-red": "#e51400",
      "--vscode-charts-blue": "#1a85ff",
      "--vscode-charts-orange": "#d18616",
      "--vscode-charts-purple": "#652d90",
      "--vscode-charts-yellow": "#bf8803",
      "--vscode-editorCursor-foreground": "#000000",
      "--vscode-focusBorder": "#005fb8",
      "--vscode-editor-findMatchHighlightBackground": "#ea5c0055",
      "--vscode-icon-foreground": "#3b3b3b",
      "--vscode-toolbar-hoverBackground": "#b8b8b850",
      "--vscode-inputOption-activeBackground": "#bed6ed",
      "--vscode-inputOption-activeBorder": "#005fb8",
      "--vscode-input-background": "#ffffff",
      "--vscode-input-border": "#cecece",
      "--vscode-input-foreground": "#3b3b3b",
      "--vscode-input-placeholderForeground": "#767676",
      "--vscode-editorWidget-background": "#f8f8f8",
      "--vscode-widget-border": "#e5e5e5",
      "--vscode-editorHoverWidget-background": "#f8f8f8",
      "--vscode-editorHoverWidget-border": "#c8c8c8",
      "--vscode-badge-background": "#cccccc",
      "--vscode-badge-foreground": "#3b3b3b",
      "--vscode-textLink-foreground": "#005fb8",
      "--vscode-errorForeground": "#f85149",
      "--vscode-inputValidation-errorBackground": "#f2dede",
      "--vscode-testing-iconPassed": "#388a34",
      "--vscode-editorWarning-foreground": "#bf8803",
      "--vscode-gitDecoration-addedResourceForeground": "#587c0c",
      "--vscode-gitDecoration-deletedResourceForeground": "#ad0707",
      "--vscode-keybindingLabel-background": "#dddddd66",
      "--vscode-keybindingLabel-border": "#cccccc66",
    },
  },
  highContrast: {
    bodyClass: "vscode-high-contrast",
    vars: {
      ...COMMON,
      "--vscode-editor-background": "#000000",
      "--vscode-editor-foreground": "#ffffff",
      "--vscode-foreground": "#ffffff",
      "--vscode-descriptionForeground": "#ffffffb3",
      "--vscode-contrastBorder": "#6fc3df",
      "--vscode-focusBorder": "#f38518",
      "--vscode-panel-border": "#6fc3df",
      "--vscode-charts-green": "#89d185",
      "--vscode-charts-red": "#f48771",
      "--vscode-charts-blue": "#75beff",
      "--vscode-charts-orange": "#cca700",
      "--vscode-charts-purple": "#b180d7",
      "--vscode-charts-yellow": "#ffd700",
      "--vscode-editorCursor-foreground": "#ffffff",
      "--vscode-textLink-foreground": "#21a6ff",
      "--vscode-input-background": "#000000",
      "--vscode-input-border": "#6fc3df",
    },
  },
};

/** Debian's Chromium, which the project installs (scripts/provision-vscode.mjs), unless CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Starts the system Chromium headless (no GPU, no sandbox: a container without either). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
  });
}

/** True when the browser the harness needs is there. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * For the unit tier's webview tests: skips them on a machine without Chromium (a quick `npm run test:unit`), but
 * fails them when the run says Chromium must be there (`npm test` provisions it first and sets
 * ALARM_INSPECTOR_REQUIRE_CHROMIUM=1), so that no CI run passes with these tests silently skipped.
 */
export function chromiumOrSkip(test: { skip(): void }): void {
  if (chromiumAvailable()) return;
  if (process.env.ALARM_INSPECTOR_REQUIRE_CHROMIUM === "1") {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run node scripts/provision-vscode.mjs, which installs it`);
  }
  test.skip();
}

/**
 * Polls an expression in the page until it is truthy. (Playwright's `waitForFunction` polls string predicates with
 * `eval` inside the page, which the timeline's CSP rightly forbids; `evaluate` goes through the debugger instead.)
 */
export async function pollPage(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting in the page for: ${expression}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A timeline page and the host answering it. */
export interface TimelinePage {
  page: Page;
  host: TimelineHost;
  /** Every message the host posted, in order, with its JSON size and when (wall clock, ms since the epoch). */
  posted: { message: ToWebviewMessage; bytes: number; at: number }[];
  /** Every message the page sent to the host. */
  received: unknown[];
  /**
   * Milliseconds the host spent on each message from the page (answering it, posts included), in order, and when it
   * got it (wall clock, ms since the epoch).
   */
  hostTime: { type: string; ms: number; at: number }[];
  /** The page's `timeline:*` performance marks so far, in ms since navigation start (see media/webview/perf.ts). */
  marks: ReadonlyMap<string, number>;
  /**
   * The same marks on the wall clock (ms since the epoch): page and host run on one machine, so these and the host's
   * times tell how long a message spent between them.
   */
  markWalls: ReadonlyMap<string, number>;
  /** Resolves once the webview has drawn data (its `timeline:first-draw` mark), with the mark's time since navigation. */
  firstDraw(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** How to open a page. */
export interface OpenOptions {
  model: TimelineHostModel;
  theme?: keyof typeof THEMES;
  width?: number;
  height?: number;
  /** Where the page's files are written. */
  outDir: string;
  /** More host options (clock, offline, frame resolution, …). */
  host?: Partial<Omit<TimelineHostOptions, "model" | "post">>;
  /** `acquireVsCodeApi().getState()` at start: what a restored panel saved. */
  savedState?: unknown;
  /** The bundle the page loads; `WEBVIEW_JS` unless a bench compares two builds. */
  bundle?: string;
  /** Runs once the page exists, before it navigates (to start a profiler, say). */
  beforeLoad?: (page: Page) => Promise<void>;
  /**
   * Answers the page's `ready` with these messages, recorded from a real host's answer, instead of letting the host
   * answer (it receives nothing; give it an empty model): the bench's floor, which keeps the page, the transport and
   * the bytes of a real load without the host's work.
   */
  replay?: readonly ToWebviewMessage[];
}

/** Writes the page and its theme next to each other and opens it with a host answering it. */
export async function openTimelinePage(browser: Browser, o: OpenOptions): Promise<TimelinePage> {
  const bundle = o.bundle ?? WEBVIEW_JS;
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build it first (node scripts/build.mjs)`);
  const themeName = o.theme ?? "dark";
  const theme = THEMES[themeName];
  mkdirSync(o.outDir, { recursive: true });
  const themeFile = join(o.outDir, `theme-${themeName}.css`);
  writeFileSync(themeFile, `:root {\n${Object.entries(theme.vars).map(([k, v]) => `  ${k}: ${v};`).join("\n")}\n}\n`);
  const nonce = randomBytes(16).toString("base64");
  // `data-bench` makes the app record each draw's duration (see media/webview/perf.ts). The app's marks are passed on
  // as they happen, so waiting for the first draw does not poll the page (polls would compete with what they time).
  const prelude = `(() => {
    document.documentElement.dataset.bench = "";
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name.startsWith("timeline:")) window.__timelineMark(JSON.stringify([e.name, e.startTime, performance.timeOrigin + e.startTime]));
    }).observe({ type: "mark" });
    let state = ${JSON.stringify(o.savedState ?? null)};
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => { window.__toHost(JSON.stringify(m)); },
      getState: () => state,
      setState: (s) => { state = s; },
    });
  })();`;
  const html = timelineHtml({
    cspSource: "file:",
    nonce,
    scriptUri: pathToFileURL(bundle).href,
    styleUri: pathToFileURL(join(REPO, "media", "webview", "timeline.css")).href,
    codiconsUri: pathToFileURL(join(REPO, "node_modules", "@vscode", "codicons", "dist", "codicon.css")).href,
    extraStyleUris: [pathToFileURL(themeFile).href],
    bodyClass: theme.bodyClass,
    title: "Alarm Timeline",
    preludeScript: prelude,
  });
  const htmlFile = join(o.outDir, `timeline-${themeName}.html`);
  writeFileSync(htmlFile, html);

  const page = await browser.newPage({ viewport: { width: o.width ?? 1400, height: o.height ?? 800 } });
  const posted: TimelinePage["posted"] = [];
  const received: unknown[] = [];
  const hostTime: TimelinePage["hostTime"] = [];
  const marks = new Map<string, number>();
  const markWalls = new Map<string, number>();
  const wall = (): number => performance.timeOrigin + performance.now();
  const markWaiters: { name: string; resolve: (t: number) => void }[] = [];
  let closed = false;
  // The page and the host talk over the DevTools protocol itself (a binding one way, an evaluation the other), as
  // VS Code's webview messaging does over its IPC: one serialisation each way, without Playwright's per-call extras
  // (its argument wrapping and stack capture cost tens of milliseconds on a busy machine, none of it the timeline's).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Runtime.enable");
  await cdp.send("Runtime.addBinding", { name: "__toHost" });
  await cdp.send("Runtime.addBinding", { name: "__timelineMark" });
  const post = (message: ToWebviewMessage): void => {
    if (closed) return;
    const json = JSON.stringify(message);
    posted.push({ message, bytes: json.length, at: wall() });
    // Delivered as VS Code does, as a `message` event on the window. (Expressions are strings here: this file is
    // also compiled without the DOM library, for the unit tests.) A page that is closing drops it, as VS Code would.
    // The page notes how long each delivery held its main thread (parsing included, as VS Code's deserialising is).
    const expression = `(() => { const t0 = performance.now(); window.dispatchEvent(new MessageEvent("message", { data: JSON.parse(${JSON.stringify(json)}) })); (window.__deliveries ??= []).push([${JSON.stringify(message.type)}, ${json.length}, t0, performance.now() - t0, performance.timeOrigin + t0]); })()`;
    cdp.send("Runtime.evaluate", { expression }).catch(() => undefined);
  };
  let host: TimelineHost | undefined;
  cdp.on("Runtime.bindingCalled", (e) => {
    if (e.name === "__timelineMark") {
      const [name, time, at] = JSON.parse(e.payload) as [string, number, number];
      marks.set(name, time);
      markWalls.set(name, at);
      for (const w of markWaiters.filter((x) => x.name === name)) w.resolve(time);
      return;
    }
    if (e.name !== "__toHost" || !host) return;
    const at = wall();
    const message: unknown = JSON.parse(e.payload);
    received.push(message);
    const t0 = performance.now();
    const type = typeof message === "object" && message !== null && "type" in message ? String(message.type) : "?";
    if (!o.replay) host.receive(message);
    else if (type === "ready") for (const m of o.replay) post(m);
    hostTime.push({ type, ms: performance.now() - t0, at });
  });
  await o.beforeLoad?.(page);
  // The host is created as the page starts loading, as a panel's is when VS Code creates its webview.
  host = new TimelineHost({ title: "Alarm Timeline", ...o.host, model: o.model, post });
  await page.goto(pathToFileURL(htmlFile).href);
  const theHost = host;
  return {
    page,
    host: theHost,
    posted,
    received,
    hostTime,
    markWalls,
    marks,
    firstDraw: (timeoutMs = 30_000) => {
      const known = marks.get("timeline:first-draw");
      if (known !== undefined) return Promise.resolve(known);
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no first draw within ${timeoutMs} ms`)), timeoutMs);
        markWaiters.push({
          name: "timeline:first-draw",
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
        });
      });
    },
    close: async () => {
      closed = true;
      theHost.dispose();
      await page.close();
    },
  };
}
