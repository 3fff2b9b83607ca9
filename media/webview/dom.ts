/**
 * Building DOM without markup. Everything shown in the webview that came from a Worker (keys, values, error messages,
 * stacks, object names) is untrusted: it goes in as text nodes only. There is no `innerHTML` anywhere in the webview,
 * so a value such as `<img src=x onerror=…>` is shown as those characters and never parsed.
 */

/** A child: an element, or a string that becomes a text node. */
export type Child = Node | string | null | undefined | false;

/** Attributes set with `setAttribute` (never `on…` handlers: listeners are added in code). */
export type Attrs = Record<string, string | number | boolean | undefined>;

/**
 * `document.createElement(tag)` with a class, attributes and children. Strings become text nodes. Attribute names
 * starting with `on` are refused, so untrusted text can never become a handler through here.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`event handler attributes are not allowed: ${name}`);
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

/** Appends children, strings as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A codicon (from the codicons font the panel loads): decorative, hidden from screen readers. */
export function icon(name: string): HTMLElement {
  return el("span", `codicon codicon-${name}`, { "aria-hidden": "true" });
}

/** A toolbar-style icon button with an accessible name and a tooltip. */
export function iconButton(iconName: string, label: string, onClick: (ev: MouseEvent) => void, className = "icon-button"): HTMLButtonElement {
  const b = el("button", className, { type: "button", "aria-label": label, title: label }, icon(iconName));
  b.addEventListener("click", onClick);
  return b;
}
