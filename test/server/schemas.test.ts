/**
 * The OpenAPI response schemas describe the values the handlers return: each schema's output
 * type equals the engine's or control plane's TypeScript type (checked by `tsc`; a field added
 * to a type and not to its schema fails the type check), and the document holds no schema that
 * leaves an object's shape open (`{ type: object }` without properties).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from '@hono/zod-openapi';
import type {
  ApplicationErrorDetails,
  ConfigurationErrorDetails,
  ErrorDetails,
  InfrastructureErrorDetails,
  PoisonErrorDetails,
} from '../../src/core/failure.js';
import type { EventKind, EventOf, HistoryEvent } from '../../src/core/history.js';
import type { HistoryFile, HistoryFileExecution } from '../../src/engine/history-file.js';
import type { WaitingOn } from '../../src/engine/waiting-on.js';
import type {
  ApplicationErrorDetailsSchema,
  ConfigurationErrorDetailsSchema,
  ErrorDetailsSchema,
  HistoryEventSchema,
  HistoryFileSchema,
  InfrastructureErrorDetailsSchema,
  PoisonErrorDetailsSchema,
  WaitingOnSchema,
} from '../../src/server/engine-schemas.js';
import type {
  ConnectionDetailsSchema,
  HealthReportSchema,
  InstanceDetailsSchema,
  InstanceViewSchema,
} from '../../src/server/toygres-schemas.js';
import type {
  ConnectionDetails,
  HealthReport,
  InstanceDetails,
  InstanceView,
} from '../../src/toygres/control-plane.js';
import { createApp } from '../../src/server/app.js';

/** 'same' when A and B are assignable both ways and have the same keys. */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? 'same'
        : 'keys differ'
      : 'keys differ'
    : 'not assignable'
  : 'not assignable';

describe('response schemas', () => {
  it('describe the types the handlers return', () => {
    // ErrorDetailsSchema is declared as ErrorDetails (it is recursive): its members are checked.
    expectTypeOf<z.output<typeof ErrorDetailsSchema>>().toEqualTypeOf<ErrorDetails>();
    expectTypeOf<z.output<typeof ApplicationErrorDetailsSchema>>().toEqualTypeOf<ApplicationErrorDetails>();
    expectTypeOf<
      z.output<typeof InfrastructureErrorDetailsSchema>
    >().toEqualTypeOf<InfrastructureErrorDetails>();
    expectTypeOf<
      z.output<typeof ConfigurationErrorDetailsSchema>
    >().toEqualTypeOf<ConfigurationErrorDetails>();
    expectTypeOf<z.output<typeof PoisonErrorDetailsSchema>>().toEqualTypeOf<PoisonErrorDetails>();
    expectTypeOf<z.output<typeof WaitingOnSchema>>().toEqualTypeOf<WaitingOn>();
    // Kind by kind: expectTypeOf's deep equality cannot compare the 26-member union at once.
    type Event = z.output<typeof HistoryEventSchema>;
    type PerKind = { [K in EventKind]: Same<Extract<Event, { type: K }>, EventOf<K>> };
    expectTypeOf<PerKind>().toEqualTypeOf<{ [K in EventKind]: 'same' }>();
    expectTypeOf<Event['type']>().toEqualTypeOf<HistoryEvent['type']>();
    type File = z.output<typeof HistoryFileSchema>;
    type Execution = File['executions'][number];
    expectTypeOf<Omit<File, 'executions'>>().toEqualTypeOf<Omit<HistoryFile, 'executions'>>();
    expectTypeOf<Omit<Execution, 'events'>>().toEqualTypeOf<Omit<HistoryFileExecution, 'events'>>();
    expectTypeOf<Execution['events'][number]>().toEqualTypeOf<Event>();
    expectTypeOf<z.output<typeof InstanceViewSchema>>().toEqualTypeOf<InstanceView>();
    expectTypeOf<z.output<typeof InstanceDetailsSchema>>().toEqualTypeOf<InstanceDetails>();
    expectTypeOf<z.output<typeof HealthReportSchema>>().toEqualTypeOf<HealthReport>();
    expectTypeOf<z.output<typeof ConnectionDetailsSchema>>().toEqualTypeOf<ConnectionDetails>();
  });

  it('leave no object open in the OpenAPI document', () => {
    const app = createApp({
      client: {} as never,
      tokens: {} as never,
      controlPlane: () => Promise.reject(new Error('unused')),
    });
    const doc = app.getOpenAPIDocument({ openapi: '3.0.3', info: { title: 'durox', version: '0' } });
    const open: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const described =
        'properties' in schema || 'additionalProperties' in schema || 'oneOf' in schema || 'allOf' in schema;
      if (schema.type === 'object' && !described) open.push(at);
      for (const [key, value] of Object.entries(schema)) walk(value, `${at}.${key}`);
    };
    walk(doc.paths, 'paths');
    walk(doc.components, 'components');
    expect(open).toEqual([]);
  });
});
