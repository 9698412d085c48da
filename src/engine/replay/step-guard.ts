/**
 * The hook the replay core offers around orchestration code. The core calls `enter()` when the
 * code starts running (the outermost synchronous step: calling the orchestration function, or
 * one `next()`/`throw()` of a generator) and `exit()` when it stops, even by throwing, and
 * `open()`/`close()` around each replay and live turn that may run steps. The
 * determinism guard (`src/engine/determinism/`) implements it: it makes the clock and
 * randomness globals answer from history while the code runs. The core itself still reads no
 * clock and no randomness; it only says when the code runs and what time the turn has.
 */

/** What a step guard may read of its execution. */
export interface GuardedExecution {
  readonly instanceId: string;
  readonly executionId: number;
  /** The orchestration's name (empty before the execution started). */
  readonly orchestrationName: string;
  /**
   * The turn's recorded time (epoch ms): while replaying, the timestamp of the event being
   * applied; in a live turn, the turn's time, which every event it records carries. Code
   * resumed by an event therefore sees that event's timestamp, live and on replay alike.
   */
  readonly now: number;
  /** Timestamp of the execution's OrchestrationStarted event (0 before it started). */
  readonly startedAtMs: number;
}

/** Hooks around each run of an execution's code (see the module comment). */
export interface StepGuard {
  /**
   * A synchronous stretch of the core's work that may run many steps begins (a replay, a live
   * turn). Only durox's own code runs between its steps, so the guard may keep its patches in
   * place until `close()` instead of installing and restoring them around every step.
   */
  open(): void;
  /** The stretch ended (also after a throw). */
  close(): void;
  /** The code starts running. Never nested for one execution. */
  enter(): void;
  /** The code stopped running (returned, yielded or threw). */
  exit(): void;
  /**
   * A violation a step recorded (strict mode). Once set, the core fails the turn with it after
   * every step, even when the code caught the error it was thrown as.
   */
  readonly violation: Error | null;
}

/** Builds the guard of one execution (called once, when the execution is created). */
export type StepGuardFactory = (execution: GuardedExecution) => StepGuard;
