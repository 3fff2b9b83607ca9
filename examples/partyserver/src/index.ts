import { routePartykitRequest } from "partyserver";

export { ExpiringRoom } from "./rooms/expiring-room";
export { FlakyRoom } from "./rooms/flaky-room";
export { RecurringJob } from "./rooms/recurring-job";

/** Every room lives at /parties/<party>/<room>; anything else is a 404 listing the parties. */
export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    const routed = await routePartykitRequest(request, env);
    if (routed) return routed;
    return Response.json(
      { error: "not a room", parties: ["/parties/expiring-room/<room>", "/parties/recurring-job/<room>", "/parties/flaky-room/<room>"] },
      { status: 404 },
    );
  },
} satisfies ExportedHandler<Record<string, unknown>>;
