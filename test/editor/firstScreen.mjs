// A watcher installed in the workbench page before it loads (Playwright's addInitScript): from the first paint to
// the end of the run it notes, with the time since the page's start, every moment the Alarms view showed something
// a person must never see in a folder that has a wrangler config, and what its welcome text said first. Tests read
// the notes through the bridge's `firstScreen` op. It only reads the DOM; it changes nothing on the page.

/** The function Playwright serialises into the page. Plain browser JavaScript: it runs before any workbench code. */
export function watchFirstScreen() {
  const notes = { welcome: [], startAndStop: [], noConfig: [], checks: 0 };
  Object.defineProperty(window, "__alarmInspectorFirstScreen", { value: notes });
  let pending = false;
  const visible = (el) => el instanceof HTMLElement && el.offsetParent !== null;
  const check = () => {
    pending = false;
    notes.checks++;
    const t = Math.round(performance.now());
    for (const w of document.querySelectorAll(".welcome-view-content")) {
      if (!visible(w)) continue;
      const text = w.innerText.trim().split("\n")[0] ?? "";
      const last = notes.welcome[notes.welcome.length - 1];
      if (text && (!last || last.text !== text)) notes.welcome.push({ t, text });
      if (/No wrangler config/.test(w.innerText)) notes.noConfig.push(t);
    }
    const sidebar = document.querySelector(".part.sidebar");
    if (sidebar) {
      const label = (l) => [...sidebar.querySelectorAll(`.action-label[aria-label="${l}"]`)].some(visible);
      if (label("Stop") && label("Start wrangler dev with Alarm Inspector")) notes.startAndStop.push(t);
    }
  };
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    setTimeout(check, 20);
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["class", "style", "aria-label"] });
}
