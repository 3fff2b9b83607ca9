import { checkCommand, isHoldCommand, isScheduleCommand, PARTYKIT_HUB_PARTY } from "../protocol/protocol";
import type { ClassInfo, ObjectRef } from "../protocol/protocol";
import { runAlarmAttempt } from "./alarmAttempt";
import { runControl } from "./control";
import { errorText, sameSecret } from "./hubClients";
import { trackInitialization } from "./instrument";
import { ObjectProbe } from "./objectProbe";
import type { AgentRuntime } from "./runtime";
import { instrumentStorage } from "./storage";

/**
 * Classic PartyKit (`partykit dev`): the user writes a `Party.Server` class and PartyKit generates the Durable Object
 * around it (`PartyKitDurable` for the main party, `<name>DO` for the others), constructing the user's class with a
 * `Party.Room` the first time the room is requested or its alarm rings. The agent cannot wrap that generated class,
 * so it wraps the user's: a subclass with the same name and statics, whose instances report what they do.
 *
 * What PartyKit does that shapes this (version 0.0.115):
 * - its `alarm()` calls `onAlarm()` with no arguments: no `alarmInfo`, so retries are inferred (see alarmAttempt);
 * - `room.id` throws inside `onAlarm`, and before the room saw a request (when the alarm woke it), so the room name
 *   is remembered per isolate from requests (`AgentRuntime.rememberRoomName`);
 * - `room.storage` is a plain property of the room, so it can be replaced by the instrumented view before the
 *   user's constructor reads it;
 * - the generated class calls `onRequest`, `onStart` and `onAlarm` of the instance if they exist; the router checks
 *   only the class's prototype for `onRequest`. The wrappers are therefore own properties of the instance: the
 *   router sees the user's class exactly as written, and the hub's control requests (which reach the room directly
 *   through `room.context.parties`, not through the router) find the room's `onRequest`.
 */

/** The part of PartyKit's `Party.Room` the agent uses. */
interface PartyRoom {
  /** The room name; a getter that throws inside `onAlarm` and before the room saw a request. */
  readonly id: string;
  /** `ctx.id.toString()` of the room's Durable Object. */
  readonly internalID: string;
  storage: DurableObjectStorage;
  /** Holds the `parties` getter (which throws inside `onAlarm`). */
  readonly context?: object;
}

type PartyServerConstructor = new (room: PartyRoom, ...rest: unknown[]) => object;
type Method = (...args: unknown[]) => unknown;

/** The path (below the room's own) and header of the hub's control requests. */
export const CONTROL_PATH_SUFFIX = "/__alarm_inspector/control";
export const CONTROL_TOKEN_HEADER = "x-alarm-inspector-token";

/** What the launcher knows about one party from partykit.json. */
export interface PartyDescriptor {
  /** `main` for the main party, else its key in `parties`. */
  party: string;
  /** The namespace PartyKit binds it to: `PARTYKIT_DURABLE` for main, else the party name. */
  binding: string;
  /** The module that exports the class, relative to the project folder. */
  source: string;
}

/** The room name, read without side effects: `room.id` is a getter that throws when PartyKit does not know it. */
function readRoomId(room: PartyRoom): string | undefined {
  try {
    const id: unknown = room.id;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

function roomRef(className: string, room: PartyRoom, runtime: AgentRuntime): ObjectRef {
  const id = String(room.internalID);
  const seen = readRoomId(room);
  if (seen !== undefined) runtime.rememberRoomName(id, seen);
  const name = seen ?? runtime.roomName(id);
  return name === undefined ? { className, id } : { className, id, name };
}

/** A class name not yet used by another party (two parties may both default-export a class named `Server`). */
function uniqueClassName(wanted: string, party: string, classes: ClassInfo[]): string {
  return classes.some((c) => c.className === wanted) ? `${wanted}@${party}` : wanted;
}

/** The facade's own answer when a room without `onRequest` is fetched directly, kept so behaviour matches. */
function noOnRequest(): Response {
  return new Response("Invalid onRequest handler", { status: 500 });
}

/**
 * Returns a subclass of the user's `Party.Server` class that reports what its room does, and registers the party in
 * `hello`. Arguments, return values and exceptions pass through unchanged.
 */
export function instrumentPartyClass<T>(UserClass: T, descriptor: PartyDescriptor, runtime: AgentRuntime): T {
  if (typeof UserClass !== "function") {
    // PartyKit's older module API (`export default { onConnect(ws, room) {…} }`): the party runs as before, unseen.
    // Throwing here would stop the whole Worker from starting, every other party included.
    console.warn(
      `alarm-inspector: the ${descriptor.party} party (${descriptor.source}) does not default-export a class, so it is not inspected; ` +
        "the inspector supports PartyKit's class API (`export default class … implements Party.Server`)",
    );
    return UserClass;
  }
  const Base = UserClass as unknown as PartyServerConstructor;
  const className = uniqueClassName(Base.name || descriptor.party, descriptor.party, runtime.options.classes);
  const proto = Base.prototype as Record<string, unknown>;
  runtime.options.classes.push({
    className,
    binding: descriptor.binding,
    sqlite: false,
    party: descriptor.party,
    ...(typeof proto.onAlarm === "function" ? { alarmMethod: "onAlarm" as const } : {}),
    source: descriptor.source,
  });

  class Instrumented extends Base {
    constructor(room: PartyRoom, ...rest: unknown[]) {
      const probe = new ObjectProbe(roomRef(className, room, runtime), runtime);
      runtime.record({ kind: "object.start", ...probe.base() });
      const real = room.storage;
      const descriptorOfStorage = Object.getOwnPropertyDescriptor(room, "storage");
      Object.defineProperty(room, "storage", { ...descriptorOfStorage, value: instrumentStorage(real, probe) });
      if (room.context) hidePartiesGetter(room.context);
      trackInitialization(room as unknown as Pick<DurableObjectState, "blockConcurrencyWhile">, probe);
      super(room, ...rest);
      probe.constructorReturned();
      wrapHandlers(this, room, probe, real, runtime);
    }
  }
  Object.defineProperty(Instrumented, "name", { value: Base.name || className });
  wrapStatics(Instrumented, Base);
  return Instrumented as unknown as T;
}

// ───────────────────────────── the hub party, hidden ─────────────────────────────

/** Views of `parties` objects without the hub; PartyKit caches one `parties` object per Worker, so few are made. */
const hiddenViews = new WeakMap<object, object>();

/** `parties` as the user's code saw it before the agent added its own party: every party but the hub. */
function withoutHub(parties: unknown): unknown {
  if (!parties || typeof parties !== "object") return parties;
  let view = hiddenViews.get(parties);
  if (!view) {
    view = new Proxy(parties, {
      get: (target, key, receiver) => (key === PARTYKIT_HUB_PARTY ? undefined : Reflect.get(target, key, receiver)),
      has: (target, key) => key !== PARTYKIT_HUB_PARTY && Reflect.has(target, key),
      ownKeys: (target) => Reflect.ownKeys(target).filter((k) => k !== PARTYKIT_HUB_PARTY),
      getOwnPropertyDescriptor: (target, key) => (key === PARTYKIT_HUB_PARTY ? undefined : Reflect.getOwnPropertyDescriptor(target, key)),
    });
    hiddenViews.set(parties, view);
  }
  return view;
}

/** `room.context.parties` is a getter (it throws inside `onAlarm`): the replacement calls it, errors and all. */
function hidePartiesGetter(context: object): void {
  const descriptor = Object.getOwnPropertyDescriptor(context, "parties");
  if (!descriptor?.get || !descriptor.configurable) return;
  const get = descriptor.get;
  Object.defineProperty(context, "parties", { ...descriptor, get: function parties(this: unknown) { return withoutHub(Reflect.apply(get, this, [])); } });
}

/** The static handlers PartyKit's router calls with a lobby (second argument) that lists `parties`. */
const LOBBY_STATICS = ["onBeforeConnect", "onBeforeRequest", "onFetch", "onSocket", "onCron"];

/** Only statics the user defined are wrapped: PartyKit checks their presence with `in`. */
function wrapStatics(Instrumented: Function, Base: Function): void {
  for (const name of LOBBY_STATICS) {
    const userStatic: unknown = Reflect.get(Base, name);
    if (typeof userStatic !== "function") continue;
    defineOwn(Instrumented, name, function lobbyHandler(this: unknown, ...args: unknown[]) {
      const lobby = args[1];
      if (lobby && typeof lobby === "object" && "parties" in lobby) {
        args[1] = { ...lobby, parties: withoutHub((lobby as { parties: unknown }).parties) };
      }
      return Reflect.apply(userStatic as Method, this, args);
    });
  }
}

/**
 * Defines an own method without changing what `Object.keys`, spreading and JSON show: a handler the user defined as a
 * class field keeps its enumerable own property, a prototype method gains only a non-enumerable one.
 */
function defineOwn(target: object, name: string, value: Method): void {
  const existing = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: existing?.enumerable ?? false });
}

function wrapHandlers(instance: object, room: PartyRoom, probe: ObjectProbe, storage: DurableObjectStorage, runtime: AgentRuntime): void {
  const own = instance as Record<string, unknown>;
  // Read after the user's constructor, so handlers defined as class fields (arrow functions) are wrapped too.
  const userOnAlarm = own.onAlarm;
  const userOnStart = own.onStart;
  const userOnRequest = own.onRequest;

  if (typeof userOnStart === "function") {
    defineOwn(instance, "onStart", function onStart(this: unknown, ...args: unknown[]) {
      const name = readRoomId(room);
      if (name !== undefined) {
        runtime.rememberRoomName(probe.ref.id, name);
        probe.learnName(name);
      }
      // PartyKit starts a room woken by its alarm without a request, so it does not know the room's id yet.
      runtime.record({ kind: "object.start", ...probe.base(), phase: "onStart", forAlarm: name === undefined });
      return Reflect.apply(userOnStart as Method, this, args);
    });
  }

  if (typeof userOnAlarm === "function") {
    defineOwn(instance, "onAlarm", function onAlarm(this: unknown, ...args: unknown[]) {
      probe.learnName(runtime.roomName(probe.ref.id));
      return runAlarmAttempt(probe, undefined, "onAlarm()", () => Reflect.apply(userOnAlarm as Method, this, args));
    });
  }

  defineOwn(instance, "onRequest", function onRequest(this: unknown, ...args: unknown[]) {
    const request = args[0];
    if (request instanceof Request && isControlRequest(request, runtime)) return answerControl(request, probe, storage);
    const name = readRoomId(room);
    if (name !== undefined) {
      runtime.rememberRoomName(probe.ref.id, name);
      probe.learnName(name);
    }
    if (typeof userOnRequest !== "function") return noOnRequest();
    return Reflect.apply(userOnRequest as Method, this, args);
  });
}

function isControlRequest(request: Request, runtime: AgentRuntime): boolean {
  if (!request.url.endsWith(CONTROL_PATH_SUFFIX)) return false;
  const token = request.headers.get(CONTROL_TOKEN_HEADER);
  return token !== null && sameSecret(token, runtime.options.token);
}

/** Runs one inspector command inside the room (the hub's request woke it exactly as a real one would). */
async function answerControl(request: Request, probe: ObjectProbe, storage: DurableObjectStorage): Promise<Response> {
  try {
    const check = checkCommand(await request.json());
    if (!check.ok) return Response.json({ ok: false, error: check.error });
    if (isScheduleCommand(check.command)) return Response.json({ ok: false, error: "schedule commands need wrangler dev (classic PartyKit rooms keep no schedules the inspector knows)" });
    if (isHoldCommand(check.command)) return Response.json({ ok: false, error: "holding an attempt needs wrangler dev or the Vite plugin; classic partykit dev is not supported" });
    return Response.json({ ok: true, value: await runControl(probe, storage, check.command) });
  } catch (e) {
    return Response.json({ ok: false, error: errorText(e) });
  }
}
