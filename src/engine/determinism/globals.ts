/**
 * The patched globals of the determinism guard, and when they are in place: while an
 * orchestration step runs (`enterStep` … `leaveStep`) or a session of the replay core that runs
 * steps is open (`openSession` … `closeSession`: one synchronous replay or turn). While a step
 * runs, each patched function asks the running step's observer (`guard.ts`) what to do; between
 * steps, and while durox's own code runs inside one (`outsideSteps`), it behaves as the
 * original. The originals are captured when the patches go in and put back when the last
 * holder lets go, even after a throw.
 */
import nodeCrypto from 'node:crypto';
import { IllegalStateError } from '../../core/errors.js';
import type { SeededRandom } from './prng.js';

/** The calls the guard watches, as messages name them. */
export type GuardedCall =
  | 'Date.now()'
  | 'new Date()'
  | 'Date()'
  | 'Math.random()'
  | 'crypto.randomUUID()'
  | 'setTimeout()'
  | 'setInterval()'
  | 'setImmediate()'
  | 'fetch()';

/** A patched function, named to the observer so it can find the call site above it. */
export type PatchedFunction = (...args: never[]) => unknown;

/** What the patched functions ask of the running step (its execution's guard). */
export interface StepObserver {
  /** A guarded call happened: throws (strict) or warns (guard). */
  observe(call: GuardedCall, patched: PatchedFunction): void;
  /** The turn's recorded time. */
  now(): number;
  /** The execution's seeded sequence. */
  random(): SeededRandom;
}

type Callable = (...args: unknown[]) => unknown;

/** The patched slots of the global object. */
interface GlobalSlots {
  Date: DateConstructor;
  setTimeout: Callable;
  setInterval: Callable;
  setImmediate: Callable;
  fetch: Callable | undefined;
}

const globals = globalThis as unknown as GlobalSlots;
/** `require('node:crypto')`: the module object CommonJS callers and default imports share. */
const nodeCryptoModule = nodeCrypto as unknown as { randomUUID: Callable };

/** The object holding the Web Crypto `randomUUID` (Crypto.prototype); null when absent. */
let webCryptoHolder: { randomUUID: Callable } | null | undefined;

function webCrypto(): { randomUUID: Callable } | null {
  if (webCryptoHolder === undefined) {
    // Looked up on first use: reading `globalThis.crypto` loads Web Crypto.
    const instance = (globalThis as { crypto?: { randomUUID?: unknown } }).crypto;
    webCryptoHolder =
      instance !== undefined && typeof instance.randomUUID === 'function'
        ? ((Object.hasOwn(instance, 'randomUUID') ? instance : Object.getPrototypeOf(instance)) as {
            randomUUID: Callable;
          })
        : null;
  }
  return webCryptoHolder;
}

/** What the patched slots held when the outermost step began, put back when it ends. */
const saved = {
  Date: Date,
  dateNow: Date.now as Callable,
  random: Math.random as Callable,
  nodeRandomUUID: nodeCryptoModule.randomUUID,
  webRandomUUID: undefined as Callable | undefined,
  setTimeout: globals.setTimeout,
  setInterval: globals.setInterval,
  setImmediate: globals.setImmediate,
  fetch: globals.fetch,
};

/** The execution whose step is running (null: none, or durox's own code inside a step). */
let active: StepObserver | null = null;
/** Open sessions plus running steps: the patches are in place while this is above 0. */
let holds = 0;

function install(): void {
  const RealDate = globals.Date;
  const web = webCrypto();
  saved.Date = RealDate;
  saved.dateNow = RealDate.now as Callable;
  saved.random = Math.random as Callable;
  saved.nodeRandomUUID = nodeCryptoModule.randomUUID;
  saved.webRandomUUID = web?.randomUUID;
  saved.setTimeout = globals.setTimeout;
  saved.setInterval = globals.setInterval;
  saved.setImmediate = globals.setImmediate;
  saved.fetch = globals.fetch;
  try {
    globals.Date = dateProxy(RealDate);
    RealDate.now = guardedNow;
    Math.random = guardedRandom;
    nodeCryptoModule.randomUUID = guardedNodeRandomUUID;
    if (web !== null) web.randomUUID = guardedWebRandomUUID;
    globals.setTimeout = guardedSetTimeout;
    globals.setInterval = guardedSetInterval;
    globals.setImmediate = guardedSetImmediate;
    if (saved.fetch !== undefined) globals.fetch = guardedFetch;
  } catch (err) {
    restoreWhatCan();
    throw new IllegalStateError(
      `the determinism guard could not patch the globals (${String(err)}); if they are frozen on purpose, set the runtime option determinism: 'off'`,
    );
  }
}

/** Puts the saved functions back. */
function restore(): void {
  globals.Date = saved.Date;
  saved.Date.now = saved.dateNow as () => number;
  Math.random = saved.random as () => number;
  nodeCryptoModule.randomUUID = saved.nodeRandomUUID;
  if (webCryptoHolder && saved.webRandomUUID !== undefined) webCryptoHolder.randomUUID = saved.webRandomUUID;
  globals.setTimeout = saved.setTimeout;
  globals.setInterval = saved.setInterval;
  globals.setImmediate = saved.setImmediate;
  if (saved.fetch !== undefined) globals.fetch = saved.fetch;
}

/** After a failed install: puts back what can be put back, slot by slot. */
function restoreWhatCan(): void {
  const slots: [object, string, unknown][] = [
    [globals, 'Date', saved.Date],
    [saved.Date, 'now', saved.dateNow],
    [Math, 'random', saved.random],
    [nodeCryptoModule, 'randomUUID', saved.nodeRandomUUID],
    [globals, 'setTimeout', saved.setTimeout],
    [globals, 'setInterval', saved.setInterval],
    [globals, 'setImmediate', saved.setImmediate],
  ];
  if (webCryptoHolder && saved.webRandomUUID !== undefined)
    slots.push([webCryptoHolder, 'randomUUID', saved.webRandomUUID]);
  if (saved.fetch !== undefined) slots.push([globals, 'fetch', saved.fetch]);
  for (const [target, key, value] of slots) {
    try {
      Reflect.set(target, key, value);
    } catch {
      // A slot that refused the patch still holds the original.
    }
  }
}

function hold(): void {
  if (holds === 0) install();
  holds++;
}

function release(): void {
  if (--holds === 0) restore();
}

/**
 * A session begins: a synchronous stretch of the replay core's work that may run many steps (a
 * replay, a turn). The patches stay in place until it ends, so consecutive steps cost a counter
 * and a variable, not a swap of every slot each. Between steps only durox's own code runs —
 * nothing else can run inside one synchronous call — and the patched functions behave as the
 * originals there. Throws when the globals cannot be patched.
 */
export function openSession(): void {
  hold();
}

/** The session ends: the originals are back once no session or step holds the patches. */
export function closeSession(): void {
  release();
}

/** A step of `guard` begins (installing the patches if no session did); returns the previous step. */
export function enterStep(guard: StepObserver): StepObserver | null {
  hold();
  const previous = active;
  active = guard;
  return previous;
}

/** The step ends: back to `previous`, and to the originals if nothing else holds the patches. */
export function leaveStep(previous: StepObserver | null): void {
  active = previous;
  release();
}

/**
 * Runs `fn` as durox's own code inside a step (logging, stack capture): the patched functions
 * behave as the originals meanwhile.
 */
export function outsideSteps<T>(fn: () => T): T {
  const step = active;
  active = null;
  try {
    return fn();
  } finally {
    active = step;
  }
}

// ---- the patched functions (one set per process) -------------------------------------------

function guardedNow(): number {
  const guard = active;
  if (guard === null) return Reflect.apply(saved.dateNow, saved.Date, []) as number;
  guard.observe('Date.now()', guardedNow);
  return guard.now();
}

function constructDate(target: DateConstructor, args: unknown[], newTarget: new () => object): object {
  const guard = active;
  if (guard === null || args.length > 0) return Reflect.construct(target, args, newTarget) as object;
  guard.observe('new Date()', constructDate);
  return Reflect.construct(target, [guard.now()], newTarget);
}

function callDate(target: DateConstructor, thisArg: unknown, args: unknown[]): unknown {
  const guard = active;
  if (guard === null) return Reflect.apply(target, thisArg, args);
  guard.observe('Date()', callDate);
  return new target(guard.now()).toString();
}

const DATE_HANDLER: ProxyHandler<DateConstructor> = { construct: constructDate, apply: callDate };
let proxied: DateConstructor | null = null;
let dateProxyCache: DateConstructor | null = null;

/**
 * `Date` during a step: a Proxy of the real constructor, so `x instanceof Date`, `Date.UTC`,
 * `Date.parse` and dates made outside the step behave as before; `Date.now` is patched on the
 * constructor itself.
 */
function dateProxy(target: DateConstructor): DateConstructor {
  if (proxied !== target || dateProxyCache === null) {
    proxied = target;
    dateProxyCache = new Proxy(target, DATE_HANDLER);
  }
  return dateProxyCache;
}

function guardedRandom(): number {
  const guard = active;
  if (guard === null) return Reflect.apply(saved.random, Math, []) as number;
  guard.observe('Math.random()', guardedRandom);
  return guard.random().nextDouble();
}

function guardedWebRandomUUID(this: unknown): unknown {
  const guard = active;
  // Installed only where Web Crypto exists, so the original was saved.
  if (guard === null) return Reflect.apply(saved.webRandomUUID!, this, []);
  guard.observe('crypto.randomUUID()', guardedWebRandomUUID);
  return guard.random().nextUuid();
}

function guardedNodeRandomUUID(this: unknown, ...args: unknown[]): unknown {
  const guard = active;
  if (guard === null) return Reflect.apply(saved.nodeRandomUUID, this, args);
  guard.observe('crypto.randomUUID()', guardedNodeRandomUUID);
  return guard.random().nextUuid();
}

function guardedSetTimeout(this: unknown, ...args: unknown[]): unknown {
  active?.observe('setTimeout()', guardedSetTimeout);
  return Reflect.apply(saved.setTimeout, this, args);
}

function guardedSetInterval(this: unknown, ...args: unknown[]): unknown {
  active?.observe('setInterval()', guardedSetInterval);
  return Reflect.apply(saved.setInterval, this, args);
}

function guardedSetImmediate(this: unknown, ...args: unknown[]): unknown {
  active?.observe('setImmediate()', guardedSetImmediate);
  return Reflect.apply(saved.setImmediate, this, args);
}

function guardedFetch(this: unknown, ...args: unknown[]): unknown {
  active?.observe('fetch()', guardedFetch);
  return Reflect.apply(saved.fetch!, this, args);
}
