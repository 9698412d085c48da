/**
 * The determinism guard: while orchestration code runs — each synchronous step of its generator,
 * as the replay core reports through `StepGuard.enter/exit` — the process's clock and randomness
 * globals answer from history, and timers and `fetch` are flagged:
 *
 * - `Date.now()`, `new Date()` without arguments and `Date()` give the turn's recorded time (the
 *   timestamp of the event that resumed the code: the same live and on replay);
 * - `Math.random()` and `crypto.randomUUID()` (the Web Crypto global and the `node:crypto`
 *   module object) draw from the execution's seeded sequence (`prng.ts`);
 * - `setTimeout`, `setInterval`, `setImmediate` and `fetch` still run, but are flagged.
 *
 * Mode `guard` logs one warning per call site (orchestration, call and site), `strict` throws a
 * `NondeterminismError` naming the call and records it so the turn fails even if the code
 * catches it, `off` installs nothing. The originals are put back when the step ends, even when it
 * throws, so activities, the application and other libraries never see the patched functions.
 * See docs/determinism.md.
 *
 * Cost: the handful of slots are swapped once per replay or turn (a session, see `globals.ts`),
 * not per step; the patched functions are created once per process; a stack is captured only
 * when a guarded function is called.
 */
import { NondeterminismError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { GuardedExecution, StepGuard, StepGuardFactory } from '../replay/step-guard.js';
import { closeSession, enterStep, leaveStep, openSession, outsideSteps } from './globals.js';
import type { GuardedCall, PatchedFunction, StepObserver } from './globals.js';
import { executionSeed, SeededRandom } from './prng.js';

/**
 * How a runtime treats nondeterministic calls in orchestration code: `guard` makes them
 * deterministic and warns once per call site, `strict` fails the turn naming the call, `off`
 * leaves the globals alone.
 */
export type DeterminismMode = 'guard' | 'strict' | 'off';

/** Receives guard-mode warnings (the runtime passes its logger). */
export type DeterminismWarn = (message: string, fields: Record<string, unknown>) => void;

const TIME = {
  guard: "it got the turn's recorded time",
  strict: 'replay would see a different time',
  use: 'yield ctx.utcNow()',
};
const TIMER = {
  guard: 'it ran, but its callback runs outside the orchestration and is not replayed',
  strict: 'its callback would run outside the orchestration and not be replayed',
};

/** Per call: what the guard did with it, why strict mode refuses it, and what to write instead. */
const ADVICE: Record<GuardedCall, { guard: string; strict: string; use: string }> = {
  'Date.now()': TIME,
  'new Date()': TIME,
  'Date()': TIME,
  'Math.random()': {
    guard: "it got the next number of the execution's seeded sequence",
    strict: 'replay would see different numbers',
    use: 'yield ctx.newGuid(), or an activity',
  },
  'crypto.randomUUID()': {
    guard: "it got a UUID from the execution's seeded sequence",
    strict: 'replay would see a different UUID',
    use: 'yield ctx.newGuid()',
  },
  'setTimeout()': { ...TIMER, use: 'yield ctx.scheduleTimer(ms)' },
  'setInterval()': { ...TIMER, use: 'yield ctx.scheduleTimer(ms) in a loop' },
  'setImmediate()': { ...TIMER, use: 'yield ctx.scheduleTimer(0), or an activity' },
  'fetch()': {
    guard: 'it ran, but its request is sent again on every replay',
    strict: 'its request would be sent again on every replay',
    use: 'an activity (yield ctx.scheduleActivity(name, input))',
  },
};

/** Call sites remembered per runtime before the set starts over (bounds memory). */
const MAX_WARNED_SITES = 10_000;

/** Where the code called `patched` from: the first frame above it, as the stack prints it. */
function callSite(patched: PatchedFunction): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    Error.captureStackTrace(holder, patched);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frame = holder.stack?.split('\n', 2)[1]?.trim() ?? '';
  if (frame === '') return 'an unknown location';
  return frame.startsWith('at ') ? frame.slice(3) : frame;
}

// ---- per runtime and per execution ---------------------------------------------------------

/** A runtime's mode and its warnings (one per orchestration, call and site). */
class GuardPolicy {
  private readonly warned = new Set<string>();

  constructor(
    readonly strict: boolean,
    private readonly warn: DeterminismWarn | undefined,
  ) {}

  warnOnce(execution: GuardedExecution, call: GuardedCall, patched: PatchedFunction): void {
    const warn = this.warn;
    if (warn === undefined) return;
    outsideSteps(() => {
      const site = callSite(patched);
      const name = execution.orchestrationName;
      const key = `${name}\u0000${call}\u0000${site}`;
      if (this.warned.has(key)) return;
      if (this.warned.size >= MAX_WARNED_SITES) this.warned.clear();
      this.warned.add(key);
      const advice = ADVICE[call];
      warn(`${call} called in orchestration "${name}" at ${site}: ${advice.guard}; use ${advice.use}`, {
        instance_id: execution.instanceId,
        execution_id: execution.executionId,
        orchestration_name: name,
        call,
        site,
      });
    });
  }
}

/** The guard of one execution: its clock, its random sequence and its violation. */
class ExecutionGuard implements StepGuard, StepObserver {
  violation: NondeterminismError | null = null;
  /** The guard whose step was running when this one entered (nested executions). */
  private previous: StepObserver | null = null;
  private sequence: SeededRandom | null = null;
  /** Sessions this execution opened and has not closed. */
  private sessions = 0;

  constructor(
    private readonly policy: GuardPolicy,
    private readonly execution: GuardedExecution,
  ) {}

  open(): void {
    try {
      openSession();
      this.sessions++;
    } catch {
      // The globals cannot be patched: the first step's enter() fails the turn saying so.
    }
  }

  close(): void {
    if (this.sessions === 0) return;
    this.sessions--;
    closeSession();
  }

  enter(): void {
    this.previous = enterStep(this);
  }

  exit(): void {
    leaveStep(this.previous);
    this.previous = null;
  }

  now(): number {
    return this.execution.now;
  }

  /** The execution's sequence, seeded on first use (the execution has started by then). */
  random(): SeededRandom {
    if (this.sequence === null) {
      const { instanceId, executionId, startedAtMs } = this.execution;
      this.sequence = new SeededRandom(executionSeed(instanceId, executionId, startedAtMs));
    }
    return this.sequence;
  }

  /** A guarded call: throws in strict mode (and records the violation), else warns once. */
  observe(call: GuardedCall, patched: PatchedFunction): void {
    if (this.policy.strict) throw this.violate(call, patched);
    this.policy.warnOnce(this.execution, call, patched);
  }

  private violate(call: GuardedCall, patched: PatchedFunction): NondeterminismError {
    return outsideSteps(() => {
      const { instanceId, executionId, orchestrationName } = this.execution;
      const error = new NondeterminismError(
        `${call} called in orchestration "${orchestrationName}" at ${callSite(patched)}: ${ADVICE[call].strict} (determinism: 'strict'); use ${ADVICE[call].use}`,
        { instanceId, executionId },
      );
      this.violation ??= error;
      return error;
    });
  }
}

/**
 * The step guard executions get in `mode` (none for `off`). Guard-mode warnings go to `warn`;
 * without it the guard is silent (as `verifyHistory` runs it).
 */
export function createStepGuard(mode: DeterminismMode, warn?: DeterminismWarn): StepGuardFactory | undefined {
  switch (mode) {
    case 'off':
      return undefined;
    case 'guard':
    case 'strict': {
      const policy = new GuardPolicy(mode === 'strict', warn);
      return (execution) => new ExecutionGuard(policy, execution);
    }
    default:
      return assertNever(mode);
  }
}
