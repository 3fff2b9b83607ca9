/**
 * The alarm an object instance has pending, as the agent last saw it, so that `alarm.set`/`alarm.delete` can say
 * which alarm they replaced without a `getAlarm()` read before every call.
 *
 * Everything that changes an object's alarm happens in its own instance, where the agent sees it: the user's and the
 * inspector's `setAlarm`/`deleteAlarm`, and the runtime's own clearing when the handler runs (`getAlarm()` reads
 * null from the moment a handler starts until it sets a new alarm; a run that succeeds leaves exactly that). So one
 * read on the first call after a wake tells the agent the value, and the calls that follow are tracked from it. The
 * value is forgotten (the next call reads again) wherever the agent cannot be sure what the runtime did:
 * a failed run (the runtime schedules a retry), a refused or thrown call, a time that is not a whole number of
 * milliseconds, a call inside a transaction (a rollback undoes it), `deleteAll()`, and a handler it cannot wrap.
 */
export class AlarmTracker {
  /** The pending alarm (ms), null for none, undefined when not known. */
  private known: number | null | undefined = undefined;
  /** False when a handler runs that the agent does not see (then every call reads, as before). */
  private trusted = true;

  /** The tracked alarm, or undefined when the caller must read it from the runtime. */
  current(): number | null | undefined {
    return this.trusted ? this.known : undefined;
  }

  /** A `setAlarm(time)` was issued (and did not throw). */
  set(time: number): void {
    this.known = Number.isInteger(time) ? time : undefined;
  }

  /** A `deleteAlarm()` was issued (and did not throw). */
  deleted(): void {
    this.known = null;
  }

  /** The runtime may have changed the alarm in a way the agent did not see: the next call reads it. */
  forget(): void {
    this.known = undefined;
  }

  /** A handler run starts: the runtime has taken the alarm, `getAlarm()` reads null until the handler sets one. */
  runStarted(): void {
    this.known = null;
  }

  /** A handler run ended; after a failure the runtime schedules a retry (or not), which the agent cannot see. */
  runEnded(ok: boolean): void {
    if (!ok) this.known = undefined;
  }

  /** The object's alarm handler runs unseen (see `wrapInstanceHandler`): tracking would go stale. */
  distrust(): void {
    this.trusted = false;
    this.known = undefined;
  }
}
