/**
 * LRU cache of live executions between turns: a hit resumes the suspended generator so a turn
 * costs O(new events); a miss replays the history from the start (same result).
 */
import type { ExecutionState } from '../replay/execution.js';
import type { OrchestrationHandler } from '../replay/execution.js';

interface Entry {
  exec: ExecutionState;
  handler: OrchestrationHandler;
}

export class InstanceCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  /** The cached execution if it is exactly at `historyLength` events of `executionId`. */
  take(
    instanceId: string,
    executionId: number,
    historyLength: number,
    handler: OrchestrationHandler,
  ): ExecutionState | null {
    const entry = this.entries.get(instanceId);
    if (!entry) {
      this.misses++;
      return null;
    }
    this.entries.delete(instanceId);
    const { exec } = entry;
    if (
      entry.handler !== handler ||
      exec.executionId !== executionId ||
      exec.historyLength !== historyLength ||
      exec.isFinished
    ) {
      this.misses++;
      return null;
    }
    this.hits++;
    return exec;
  }

  put(instanceId: string, exec: ExecutionState, handler: OrchestrationHandler): void {
    if (this.capacity <= 0) return;
    this.entries.delete(instanceId);
    this.entries.set(instanceId, { exec, handler });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  evict(instanceId: string): void {
    this.entries.delete(instanceId);
  }

  get size(): number {
    return this.entries.size;
  }
}
