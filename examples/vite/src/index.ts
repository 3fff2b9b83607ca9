import type { Task } from "./task";

export { Task } from "./task";

interface Env {
  TASKS: DurableObjectNamespace<Task>;
}

function numberParam(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name) ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of at least 0`);
  return value;
}

/**
 * Routes: `POST /task/<name>?inMs=5000&failures=0` schedules, `DELETE /task/<name>` cancels, `GET /task/<name>`
 * shows the alarm and the attempts. `<name>` picks the object: the same name always reaches the same one.
 */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const [, kind, name] = url.pathname.split("/");
    if (kind !== "task" || !name) {
      return new Response("Try: curl -X POST 'http://localhost:5173/task/report?inMs=5000&failures=2'\n", { status: 404 });
    }
    const task = env.TASKS.getByName(name);
    try {
      switch (request.method) {
        case "POST":
          return Response.json({ scheduledTime: await task.schedule(numberParam(url, "inMs", 5000), numberParam(url, "failures", 0)) });
        case "DELETE":
          await task.cancel();
          return Response.json({ cancelled: true });
        default:
          return Response.json(await task.state());
      }
    } catch (e) {
      return Response.json({ error: (e as Error).message }, { status: 400 });
    }
  },
};
