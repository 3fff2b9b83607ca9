/**
 * The timeline panel's HTML and Content Security Policy, as pure functions of the URIs the panel resolves. Kept apart
 * from `timelinePanel.ts` (which needs `vscode`) so the bench and the webview tests load the very same page.
 */

/** What the page links to, each already a webview URI (`asWebviewUri`), plus the CSP source and the nonce. */
export interface TimelineHtmlParts {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** A fresh random nonce: the only scripts that run are those carrying it. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  title: string;
  /** Script run before the app (the bench's stand-in for `acquireVsCodeApi`); it carries the nonce too. */
  preludeScript?: string;
  /** More stylesheets, after the timeline's (the bench's theme variables, which VS Code itself provides). */
  extraStyleUris?: string[];
  /** Class of `<body>` (VS Code sets `vscode-dark`, `vscode-light`, … itself; the bench sets it here). */
  bodyClass?: string;
}

/** Escapes text for HTML text and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The policy: nothing by default; scripts only by nonce; styles, fonts and images only from the extension's own
 * files. No `unsafe-inline` and no `unsafe-eval`: even text that got into the page as markup could not run.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join("; ");
}

/** The whole page: an empty `#app` that timeline.js fills. */
export function timelineHtml(p: TimelineHtmlParts): string {
  const prelude = p.preludeScript !== undefined ? `\n  <script nonce="${p.nonce}">${p.preludeScript.replace(/<\/script/gi, "<\\/script")}</script>` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(p.cspSource, p.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeHtml(p.codiconsUri)}">
  <link rel="stylesheet" href="${escapeHtml(p.styleUri)}">${(p.extraStyleUris ?? []).map((u) => `\n  <link rel="stylesheet" href="${escapeHtml(u)}">`).join("")}
  <title>${escapeHtml(p.title)}</title>${prelude}
</head>
<body${p.bodyClass !== undefined ? ` class="${escapeHtml(p.bodyClass)}"` : ""}>
  <div id="app"></div>
  <script nonce="${p.nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
