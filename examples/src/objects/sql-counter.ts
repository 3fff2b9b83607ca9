import { DurableObject } from "cloudflare:workers";
import { alarmAt, storageEntries, type StorageEntry } from "../inspect";

export interface CounterState {
  ticks: number;
  fired: number;
  alarm: number | null;
}

/**
 * The batch pattern again, on a SQLite-backed object: ticks are rows, and one alarm marks every unfired row as
 * fired. It is here so the inspector is exercised against SQL writes as well as key-value ones, and against
 * the SQLite storage backend, where the alarm is kept in the object's own database.
 */
export class SqlCounter extends DurableObject {
  // `Cloudflare.Env` is the base class's default; this object never reads its environment.
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // Creating the schema in the constructor is safe to repeat (IF NOT EXISTS), and `sql.exec` is synchronous,
    // so the table exists before any request or alarm reaches the object. No alarm is touched here: the
    // constructor also runs when the object wakes for its alarm, and must not disturb it.
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS ticks (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, fired INTEGER NOT NULL DEFAULT 0)",
    );
  }

  async tick(inMs: number): Promise<CounterState> {
    this.ctx.storage.sql.exec("INSERT INTO ticks (at) VALUES (?)", Date.now());
    // Like Batcher: the first tick of a batch sets the alarm, later ones ride along on it.
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + inMs);
    }
    return this.state();
  }

  override async alarm(): Promise<void> {
    // A single UPDATE is idempotent: if the alarm were delivered twice, the second run finds nothing unfired.
    this.ctx.storage.sql.exec("UPDATE ticks SET fired = 1 WHERE fired = 0");
  }

  async state(): Promise<CounterState> {
    const row = this.ctx.storage.sql
      .exec<{ ticks: number; fired: number }>("SELECT COUNT(*) AS ticks, COALESCE(SUM(fired), 0) AS fired FROM ticks")
      .one();
    return { ticks: row.ticks, fired: row.fired, alarm: await this.ctx.storage.getAlarm() };
  }

  alarmAt(): Promise<number | null> {
    return alarmAt(this.ctx.storage);
  }

  /** Only the key-value side of storage (empty here, since this object keeps its data in SQL). */
  storageEntries(): Promise<StorageEntry[]> {
    return storageEntries(this.ctx.storage);
  }
}
