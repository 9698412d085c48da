/**
 * Registries of orchestration functions (by name and version) and activity functions.
 */
import { InvalidInputError } from '../core/errors.js';
import type { OrchestrationHandler } from './replay/execution.js';
import { SYSCALL_PREFIX } from './replay/tasks.js';
import type { ActivityContext } from './runtime/activity-context.js';

/**
 * An activity of the untyped API (`registerActivity`): any async function of the context and the
 * decoded input. The input is `any` on purpose: handlers annotate it as they like
 * (`async (ctx, order: Order) => …`), as in duroxide-node; `defineActivity` is the typed path.
 */
export type ActivityHandler = (ctx: ActivityContext, input: any) => unknown;

/** Version used by plain `registerOrchestration`. */
export const DEFAULT_VERSION = '1.0.0';

/** Compares dotted numeric versions (`1.10.0` > `1.9.2`); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const diff = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidInputError(`${kind} name must be a non-empty string`);
  }
  if (name.startsWith(SYSCALL_PREFIX)) {
    throw new InvalidInputError(`${kind} name "${name}" uses the reserved prefix ${SYSCALL_PREFIX}`);
  }
  return name;
}

export class OrchestrationRegistry {
  private readonly byName = new Map<string, Map<string, OrchestrationHandler>>();

  register(name: string, version: string, handler: OrchestrationHandler): void {
    checkName('orchestration', name);
    if (typeof handler !== 'function')
      throw new InvalidInputError(`orchestration "${name}" must be a function*`);
    if (typeof version !== 'string' || version.length === 0) {
      throw new InvalidInputError(`orchestration "${name}": version must be a non-empty string`);
    }
    this.registerBuiltin(name, version, handler);
  }

  /** Registers a built-in orchestration (reserved names allowed), such as the schedule's. */
  registerBuiltin(name: string, version: string, handler: OrchestrationHandler): void {
    const versions = this.byName.get(name) ?? new Map<string, OrchestrationHandler>();
    versions.set(version, handler);
    this.byName.set(name, versions);
  }

  /** The highest registered version of `name`. */
  latestVersion(name: string): string | undefined {
    const versions = this.byName.get(name);
    if (!versions) return undefined;
    return [...versions.keys()].sort(compareVersions).at(-1);
  }

  /** Exact lookup; `undefined` when that name and version are not registered here. */
  resolve(name: string, version: string): OrchestrationHandler | undefined {
    return this.byName.get(name)?.get(version);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  versions(name: string): string[] {
    return [...(this.byName.get(name)?.keys() ?? [])].sort(compareVersions);
  }
}

export class ActivityRegistry {
  private readonly byName = new Map<string, ActivityHandler>();

  register(name: string, handler: ActivityHandler): void {
    checkName('activity', name);
    if (typeof handler !== 'function') throw new InvalidInputError(`activity "${name}" must be a function`);
    this.byName.set(name, handler);
  }

  /** Registers a built-in activity (reserved names allowed). */
  registerBuiltin(name: string, handler: ActivityHandler): void {
    this.byName.set(name, handler);
  }

  resolve(name: string): ActivityHandler | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].filter((n) => !n.startsWith(SYSCALL_PREFIX));
  }
}
