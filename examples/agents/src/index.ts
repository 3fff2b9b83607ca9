/**
 * One Agents SDK agent with every kind of schedule, behind a small JSON API (see README.md for curl lines). The SDK
 * keeps all of them in its `cf_agents_jobs` table behind the object's single alarm; the Alarm Inspector shows each one,
 * its countdown, its runs, and a failing callback as failed even though the SDK catches the error.
 */
import { Agent, getAgentByName } from "agents";

interface Env {
  Assistant: DurableObjectNamespace<Assistant>;
}

export class Assistant extends Agent<Env> {
  /** Keeps the last runs, so `GET /assistant/:name` shows what ran. */
  private log(line: string): void {
    const ran = this.ctx.storage.kv.get<string[]>("ran") ?? [];
    this.ctx.storage.kv.put("ran", [...ran, `${new Date().toISOString()} ${line}`].slice(-50));
  }

  async sendReminder(payload: { user: string; text: string }): Promise<void> {
    this.log(`reminded ${payload.user}: ${payload.text}`);
  }

  async digest(): Promise<void> {
    this.log("digest");
  }

  async heartbeat(): Promise<void> {
    this.log("heartbeat");
  }

  /** Always throws: the SDK retries it (3 attempts by default), then gives up; the alarm attempt still ends ok. */
  async syncInvoices(payload: { account: string }): Promise<void> {
    throw new Error(`billing API refused account ${payload.account}`);
  }

  async api(action: string, query: string): Promise<unknown> {
    const q = new URLSearchParams(query);
    const num = (k: string, d: number) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d);
    switch (action) {
      case "remind":
        return this.schedule(num("in", 30), "sendReminder", { user: q.get("user") ?? "ada", text: q.get("text") ?? "stand up" });
      case "at":
        return this.schedule(new Date(num("ms", Date.now() + 120_000)), "sendReminder", { user: q.get("user") ?? "ada", text: "dated" });
      case "cron":
        return this.schedule(q.get("expr") ?? "*/2 * * * *", "digest");
      case "every":
        return this.scheduleEvery(num("s", 45), "heartbeat");
      case "failing":
        return this.schedule(num("in", 5), "syncInvoices", { account: q.get("account") ?? "acme" });
      case "cancel":
        return this.cancelSchedule(q.get("id") ?? "");
      case "state":
        return { schedules: this.getSchedules(), ran: this.ctx.storage.kv.get<string[]>("ran") ?? [] };
      default:
        throw new Error(`unknown action "${action}": try remind, at, cron, every, failing, cancel or GET for the state`);
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const [, root, name, action] = url.pathname.split("/");
    if (root !== "assistant" || !name) {
      return Response.json({ error: "try POST /assistant/<name>/<remind|at|cron|every|failing|cancel> or GET /assistant/<name>" }, { status: 404 });
    }
    const agent = await getAgentByName(env.Assistant, name);
    try {
      return Response.json(await agent.api(request.method === "GET" && !action ? "state" : (action ?? "state"), url.search));
    } catch (e) {
      return Response.json({ error: e instanceof Error ? e.message : String(e) }, { status: 400 });
    }
  },
};
