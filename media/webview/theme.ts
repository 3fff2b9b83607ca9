/**
 * The canvas's colours, read from CSS custom properties that timeline.css maps onto VS Code's `--vscode-*` theme
 * variables. A canvas cannot use `var()` itself, so the palette is read once and again whenever VS Code switches theme
 * (it changes the body's class: `vscode-light`, `vscode-dark`, `vscode-high-contrast`, `vscode-high-contrast-light`).
 */

/** Every colour the canvas draws with. */
export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  headerBackground: string;
  rowHover: string;
  ok: string;
  error: string;
  running: string;
  interrupted: string;
  retryWindow: string;
  wake: string;
  set: string;
  overwrite: string;
  delete: string;
  storage: string;
  pending: string;
  now: string;
  selection: string;
  match: string;
  /** Outline drawn around shapes in high-contrast themes; empty otherwise. */
  contrastBorder: string;
  font: string;
  fontBold: string;
  fontSmall: string;
  highContrast: boolean;
}

const VARS: Record<Exclude<keyof Palette, "font" | "fontBold" | "fontSmall" | "highContrast">, string> = {
  background: "--tl-background",
  foreground: "--tl-foreground",
  muted: "--tl-muted",
  grid: "--tl-grid",
  border: "--tl-border",
  headerBackground: "--tl-header-background",
  rowHover: "--tl-row-hover",
  ok: "--tl-ok",
  error: "--tl-error",
  running: "--tl-running",
  interrupted: "--tl-interrupted",
  retryWindow: "--tl-retry-window",
  wake: "--tl-wake",
  set: "--tl-set",
  overwrite: "--tl-overwrite",
  delete: "--tl-delete",
  storage: "--tl-storage",
  pending: "--tl-pending",
  now: "--tl-now",
  selection: "--tl-selection",
  match: "--tl-match",
  contrastBorder: "--tl-contrast-border",
};

let probe: HTMLElement | undefined;

/**
 * A custom property's colour as the browser computes it (`rgb(…)`/`rgba(…)`): a property holds whatever was written
 * (`var(--vscode-…, #fff)` chains, names), and a canvas needs a resolved colour. A hidden probe element resolves it.
 */
function resolveColor(name: string): string {
  if (!probe) {
    probe = document.createElement("span");
    probe.setAttribute("aria-hidden", "true");
    probe.style.display = "none";
    document.body.appendChild(probe);
  }
  probe.style.color = "";
  probe.style.color = `var(${name}, #888888)`;
  return getComputedStyle(probe).color || "#888888";
}

/** Reads the palette from the document's computed style. */
export function readPalette(root: HTMLElement = document.body): Palette {
  const style = getComputedStyle(root);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const entries = Object.entries(VARS).map(([k, v]) => [k, resolveColor(v)]);
  const family = read("--vscode-font-family", "system-ui, sans-serif");
  const size = parseFloat(read("--vscode-font-size", "13px")) || 13;
  const classes = document.body.classList;
  const highContrast = classes.contains("vscode-high-contrast") || classes.contains("vscode-high-contrast-light");
  const palette = Object.fromEntries(entries) as Omit<Palette, "font" | "fontBold" | "fontSmall" | "highContrast">;
  return {
    ...palette,
    contrastBorder: highContrast ? palette.contrastBorder : "",
    font: `${size}px ${family}`,
    fontBold: `600 ${size}px ${family}`,
    fontSmall: `${Math.max(10, size - 2)}px ${family}`,
    highContrast,
  };
}

/**
 * Calls `onChange` when VS Code switches theme: it sets the body's class and the `--vscode-*` variables on `<html>`,
 * so both are watched (one call per batch of changes).
 */
export function watchTheme(onChange: () => void): void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["style"] });
}

/** The theme kind VS Code set on the body (`vscode-light`, `vscode-dark`, `vscode-high-contrast`, …), or "". */
export function themeKind(): string {
  return [...document.body.classList].find((c) => /^vscode-(light|dark|high-contrast(-light)?)$/.test(c)) ?? "";
}

/** Colours already made translucent: drawing asks for the same few again for every bar of every frame. */
const translucent = new Map<string, string>();

/** `color` with `alpha` (0–1), for translucent fills; works for `#rgb`, `#rrggbb` and `rgb()`/`rgba()` colours. */
export function withAlpha(color: string, alpha: number): string {
  const key = `${color}@${alpha}`;
  let out = translucent.get(key);
  if (out === undefined) {
    if (translucent.size > 256) translucent.clear();
    out = makeTranslucent(color, alpha);
    translucent.set(key, out);
  }
  return out;
}

function makeTranslucent(color: string, alpha: number): string {
  const c = color.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (hex) {
    let h = hex[1] as string;
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join("");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(c);
  if (rgb) {
    const [r, g, b] = (rgb[1] as string).split(/[,\s/]+/).filter(Boolean);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return c;
}
