/**
 * Loading user code given with `--module`. A module (`.js`, `.mjs`, `.cjs`, or `.ts` / `.mts` /
 * `.cts` through tsx) exports either
 *
 * - `register(runtime)` (sync or async), which calls `runtime.register(...definitions)` (typed
 *   definitions), `runtime.registerActivity(name, fn)`, `runtime.registerOrchestration(name,
 *   fn*)` and `runtime.registerOrchestrationVersioned(name, version, fn*)` (and their `…Typed`
 *   twins), or
 * - `orchestrations` and/or `activities` objects: `orchestrations` maps a name to a generator
 *   function (registered as version 1.0.0) or to `{ versions: { '1.0.0': fn*, '2.0.0': fn* } }`;
 *   `activities` maps a name to an async function.
 *
 * A default export of either shape works too. What a module registers is recorded so that
 * `history replay` can look orchestrations up by name and version without a store.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { firstZodIssue } from '../core/zod-issues.js';
import { activityHandlerOf, isDefinition, orchestrationHandlerOf } from '../engine/definitions.js';
import { compareVersions, DEFAULT_VERSION } from '../engine/registry.js';
import type { ActivityHandler } from '../engine/registry.js';
import type { OrchestrationHandler } from '../engine/replay/execution.js';
import type { Runtime } from '../engine/runtime/runtime.js';
import { CliError, messageOf } from './errors.js';

/** Everything the given modules register. */
export interface Registrations {
  /** name → version → handler. */
  orchestrations: Map<string, Map<string, OrchestrationHandler>>;
  activities: Map<string, ActivityHandler>;
  /** The module files, resolved. */
  modules: string[];
}

const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

const isFunction = (v: unknown): v is (...args: any[]) => unknown => typeof v === 'function';
const fn = z.custom<(...args: any[]) => unknown>(isFunction, 'must be a function');
const orchestrationEntry = z.union([fn, z.object({ versions: z.record(z.string().min(1), fn) }).strict()], {
  errorMap: () => ({
    message: "must be a generator function or { versions: { '1.0.0': function* … } }",
  }),
});
const moduleShape = z.object({
  register: fn.optional(),
  orchestrations: z.record(z.string().min(1), orchestrationEntry).optional(),
  activities: z.record(z.string().min(1), fn).optional(),
});

/**
 * Imports a TypeScript module through tsx, scoped to that import (and what it imports), so that
 * tsx is loaded only when a .ts module is given and works whatever the module's package type.
 */
async function importTypeScript(url: string): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

function moduleError(file: string, message: string, cause?: unknown): CliError {
  return new CliError('MODULE', `module ${file}: ${message}`, cause === undefined ? {} : { cause });
}

/** Imports one module file and returns its namespace. */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new CliError('MODULE', `module ${file} not found`, {
      hint: `check the path (resolved to ${path})`,
    });
  }
  const ext = extname(path);
  const typescript = TS_EXTENSIONS.has(ext);
  if (!typescript && !JS_EXTENSIONS.has(ext)) {
    throw moduleError(file, `unsupported file type "${ext}" (use .js, .mjs, .cjs, .ts, .mts or .cts)`);
  }
  const url = pathToFileURL(path).href;
  try {
    if (typescript) return await importTypeScript(url);
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw moduleError(file, `failed to load: ${messageOf(err)}`, err);
  }
}

/** The export object to read: the namespace, or its default export when that holds the shape. */
function exportsOf(namespace: Record<string, unknown>): Record<string, unknown> {
  const hasShape = (o: Record<string, unknown>): boolean =>
    'register' in o || 'orchestrations' in o || 'activities' in o;
  if (hasShape(namespace)) return namespace;
  const fallback = namespace.default;
  if (isFunction(fallback)) return { register: fallback };
  if (fallback && typeof fallback === 'object' && hasShape(fallback as Record<string, unknown>)) {
    return fallback as Record<string, unknown>;
  }
  return namespace;
}

/** Collects registrations, checking names, versions and handler kinds. */
class Recorder {
  readonly registrations: Registrations = { orchestrations: new Map(), activities: new Map(), modules: [] };
  private readonly origin = new Map<string, string>();

  constructor(private readonly target: Runtime | undefined) {}

  activity(file: string, name: unknown, handler: unknown): void {
    if (typeof name !== 'string' || name === '')
      throw moduleError(file, 'an activity name must be a non-empty string');
    if (!isFunction(handler)) throw moduleError(file, `activity "${name}" must be a function`);
    this.claim(file, `activity "${name}"`);
    this.registrations.activities.set(name, handler as ActivityHandler);
    this.target?.registerActivity(name, handler as ActivityHandler);
  }

  orchestration(file: string, name: unknown, version: unknown, handler: unknown): void {
    if (typeof name !== 'string' || name === '') {
      throw moduleError(file, 'an orchestration name must be a non-empty string');
    }
    if (typeof version !== 'string' || version === '') {
      throw moduleError(file, `orchestration "${name}": the version must be a non-empty string`);
    }
    if (!isFunction(handler)) throw moduleError(file, `orchestration "${name}" must be a generator function`);
    const kind = handler.constructor?.name;
    if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
      throw moduleError(
        file,
        `orchestration "${name}" is an async function: orchestrations must be generator functions (function*)`,
      );
    }
    this.claim(file, `orchestration "${name}" version ${version}`);
    const versions = this.registrations.orchestrations.get(name) ?? new Map<string, OrchestrationHandler>();
    versions.set(version, handler as OrchestrationHandler);
    this.registrations.orchestrations.set(name, versions);
    this.target?.registerOrchestrationVersioned(name, version, handler as OrchestrationHandler);
  }

  /** Typed definitions (`runtime.register(...defs)`), registered as the runtime would. */
  definitions(file: string, defs: unknown[]): void {
    defs.forEach((def, index) => {
      if (!isDefinition(def)) {
        throw moduleError(
          file,
          `runtime.register: argument ${index + 1} is not a definition (make one with defineActivity or defineOrchestration)`,
        );
      }
      if (def.kind === 'activity') this.activity(file, def.name, activityHandlerOf(def));
      else this.orchestration(file, def.name, def.version ?? DEFAULT_VERSION, orchestrationHandlerOf(def));
    });
  }

  /** The object handed to `register(runtime)`: the registration API, forwarding to a real runtime. */
  runtimeFor(file: string): object {
    const api: Record<string, (...args: unknown[]) => unknown> = {
      register: (...defs) => {
        this.definitions(file, defs);
        return proxy;
      },
      registerActivity: (name, handler) => this.activity(file, name, handler),
      registerActivityTyped: (name, handler) => this.activity(file, name, handler),
      registerOrchestration: (name, handler) => this.orchestration(file, name, DEFAULT_VERSION, handler),
      registerOrchestrationTyped: (name, handler) => this.orchestration(file, name, DEFAULT_VERSION, handler),
      registerOrchestrationVersioned: (name, version, handler) =>
        this.orchestration(file, name, version, handler),
      registerOrchestrationVersionedTyped: (name, version, handler) =>
        this.orchestration(file, name, version, handler),
    };
    const target = this.target;
    const proxy: object = new Proxy(api, {
      get(own, prop) {
        if (typeof prop === 'string' && prop in own) return own[prop];
        if (target) {
          const value = Reflect.get(target, prop, target) as unknown;
          return isFunction(value) ? value.bind(target) : value;
        }
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        throw moduleError(
          file,
          `register(runtime) used runtime.${prop}, which is not available without a store (only registration methods are)`,
        );
      },
    });
    return proxy;
  }

  private claim(file: string, what: string): void {
    const previous = this.origin.get(what);
    if (previous !== undefined && previous !== file) {
      throw moduleError(file, `${what} is also registered by ${previous}`);
    }
    this.origin.set(what, file);
  }
}

/**
 * Loads the modules in order and records what they register. With `target`, every
 * registration is also applied to that runtime (and `register(runtime)` may use the rest of its
 * API).
 */
export async function loadModules(files: string[], target?: Runtime): Promise<Registrations> {
  const recorder = new Recorder(target);
  for (const file of files) {
    const exported = exportsOf(await importModule(file));
    const parsed = moduleShape.safeParse(exported);
    if (!parsed.success) {
      const issue = firstZodIssue(parsed.error);
      throw moduleError(file, `export ${issue.path} ${issue.message}`);
    }
    const shape = parsed.data;
    if (!shape.register && !shape.orchestrations && !shape.activities) {
      throw moduleError(
        file,
        'exports neither register(runtime) nor { orchestrations, activities }',
        undefined,
      );
    }
    if (shape.register) {
      try {
        await shape.register(recorder.runtimeFor(file));
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw moduleError(file, `register(runtime) threw: ${messageOf(err)}`, err);
      }
    }
    for (const [name, entry] of Object.entries(shape.orchestrations ?? {})) {
      if (isFunction(entry)) recorder.orchestration(file, name, DEFAULT_VERSION, entry);
      else
        for (const [version, handler] of Object.entries(entry.versions)) {
          recorder.orchestration(file, name, version, handler);
        }
    }
    for (const [name, handler] of Object.entries(shape.activities ?? {}))
      recorder.activity(file, name, handler);
    recorder.registrations.modules.push(resolve(file));
  }
  return recorder.registrations;
}

/** `name@version` for every registered orchestration, versions ascending. */
export function describeOrchestrations(registrations: Registrations): string[] {
  return [...registrations.orchestrations.entries()].flatMap(([name, versions]) =>
    [...versions.keys()].sort(compareVersions).map((v) => `${name}@${v}`),
  );
}
