/**
 * Entry of the timeline webview (bundled to dist/webview/timeline.js, loaded by the panel's HTML with a nonce).
 * Builds the app into `#app` and says `ready` to the host, which only then starts posting.
 */
import { TimelineApp } from "./app";
import { markOnce } from "./perf";

markOnce("start");
const root = document.getElementById("app");
if (root) {
  const app = new TimelineApp(root);
  app.start();
}
