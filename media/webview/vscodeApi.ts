/**
 * The webview's side of the channel: `acquireVsCodeApi()` may be called once per page, so it is called here and the
 * result shared. Messages out are typed by the contract; what `getState` returns is checked before use.
 */
import { readWebviewState } from "../../extension/shared/timelineMessages";
import type { TimelineWebviewState, ToHostMessage } from "../../extension/shared/timelineMessages";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

/** Sends one message to the extension host. */
export function postToHost(message: ToHostMessage): void {
  api.postMessage(message);
}

/** What this panel saved before (after a reload, or when it was hidden and shown again). */
export function loadState(): TimelineWebviewState {
  return readWebviewState(api.getState());
}

/** Saves what a restored panel needs: VS Code keeps it with the panel, and hands it to the serializer after a reload. */
export function saveState(state: TimelineWebviewState): void {
  api.setState(state);
}
