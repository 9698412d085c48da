/**
 * Response schemas for the engine's values as the API returns them: failure details, what an
 * instance waits on, history events and the history file (the `durox history dump` format).
 * They only describe responses in the OpenAPI document (handlers return the engine's values
 * as they are); `test/server/schemas.test.ts` checks at compile time that each describes its
 * TypeScript type, and the server tests check real answers against the document.
 *
 * @hono/zod-openapi cannot walk `z.lazy`: the recursive schemas (failure details, whose `cause`
 * is failure details again) carry their OpenAPI form by hand, and the components only they
 * reference are registered by {@link registerEngineComponents}.
 */
import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ErrorDetails } from '../core/failure.js';
import type { EventKind } from '../core/history.js';
import type { AppEnv } from './auth.js';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const ERROR_DETAILS_KINDS = [
  'ApplicationErrorDetails',
  'InfrastructureErrorDetails',
  'ConfigurationErrorDetails',
  'PoisonErrorDetails',
] as const;

/** A stored failure: one of four categories (`category` tells which). */
export const ErrorDetailsSchema: z.ZodType<ErrorDetails> = z
  .lazy(() =>
    z.discriminatedUnion('category', [
      ApplicationErrorDetailsSchema,
      InfrastructureErrorDetailsSchema,
      ConfigurationErrorDetailsSchema,
      PoisonErrorDetailsSchema,
    ]),
  )
  .openapi('ErrorDetails', {
    type: 'object',
    description: 'A failure as stored in history, by category',
    oneOf: ERROR_DETAILS_KINDS.map(ref),
    discriminator: {
      propertyName: 'category',
      mapping: {
        application: ref('ApplicationErrorDetails').$ref,
        infrastructure: ref('InfrastructureErrorDetails').$ref,
        configuration: ref('ConfigurationErrorDetails').$ref,
        poison: ref('PoisonErrorDetails').$ref,
      },
    },
  });

/** Failures raised by user code, or a cancellation. */
export const ApplicationErrorDetailsSchema = z
  .object({
    category: z.literal('application'),
    kind: z.enum(['ActivityFailed', 'OrchestrationFailed', 'Panicked', 'Cancelled']),
    message: z.string(),
    retryable: z.boolean(),
    type: z.string().optional().openapi({ description: 'Constructor name of the thrown value' }),
    stack: z.string().optional(),
    reason: z.string().optional().openapi({ description: 'Cancellation reason (kind Cancelled)' }),
    cause: ErrorDetailsSchema.optional(),
    nonRetryable: z.boolean().optional(),
  })
  .openapi('ApplicationErrorDetails', { description: 'Raised by user code, or a cancellation' });

/** Failures of the store or the runtime. */
export const InfrastructureErrorDetailsSchema = z
  .object({
    category: z.literal('infrastructure'),
    operation: z.string(),
    message: z.string(),
    retryable: z.boolean(),
  })
  .openapi('InfrastructureErrorDetails', { description: 'A failure of the store or the runtime' });

/** The deployed code does not fit the history. */
export const ConfigurationErrorDetailsSchema = z
  .object({
    category: z.literal('configuration'),
    kind: z.enum(['Nondeterminism', 'UnregisteredOrchestration', 'UnregisteredActivity', 'Limit']),
    resource: z.string(),
    message: z.string(),
  })
  .openapi('ConfigurationErrorDetails', { description: 'The deployed code does not fit the history' });

/** A message that kept failing and was given up on. */
export const PoisonErrorDetailsSchema = z
  .object({
    category: z.literal('poison'),
    attempt_count: z.number().int(),
    max_attempts: z.number().int(),
    message_type: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('Orchestration'), instance: z.string(), execution_id: z.number().int() }),
      z.object({
        kind: z.literal('Activity'),
        instance: z.string(),
        execution_id: z.number().int(),
        activity_name: z.string(),
        activity_id: z.number().int(),
      }),
    ]),
    message: z.string(),
  })
  .openapi('PoisonErrorDetails', { description: 'A message that kept failing and was given up on' });

/** What a running execution waits on. */
export const WaitingOnSchema = z
  .object({
    activities: z.array(
      z.object({
        name: z.string(),
        attempt: z.number().int(),
        scheduledAtMs: z.number().int(),
        tag: z.string().optional(),
        sessionId: z.string().optional(),
      }),
    ),
    timers: z.array(z.object({ fireAtMs: z.number().int() })),
    events: z.array(z.string()).openapi({ description: 'Names of open waitForEvent calls' }),
    queues: z.array(z.string()).openapi({ description: 'Names of open dequeueEvent calls' }),
    children: z.array(z.string()).openapi({ description: 'Ids of sub-orchestrations not yet ended' }),
  })
  .openapi('WaitingOn', {
    description: 'What the current execution waits on (absent once the instance ended)',
  });

const TraceContextSchema = z
  .object({ traceparent: z.string(), tracestate: z.string().optional() })
  .openapi('TraceContext', { description: 'W3C trace context of the span that caused the event' });

const json = (what: string) => z.string().openapi({ description: `${what}, as JSON text` });
const trace = TraceContextSchema.optional();

const envelope = z.object({
  event_id: z.number().int().openapi({ description: '1-based position within the execution' }),
  source_event_id: z
    .number()
    .int()
    .optional()
    .openapi({ description: 'For completions: the event_id of the scheduling event' }),
  instance_id: z.string(),
  execution_id: z.number().int(),
  timestamp_ms: z.number().int(),
  durox_version: z.string().optional(),
});

/** The schema of one event kind: the envelope, the `type` tag and the kind's fields. */
function event<K extends EventKind, S extends z.ZodRawShape>(kind: K, fields: S) {
  return envelope.extend({ type: z.literal(kind), ...fields }).openapi(`${kind}Event`);
}

const reason = { reason: z.string() };
const details = { details: ErrorDetailsSchema };

/** Every kind of `EventKinds` with its fields (the type test fails when one is missing). */
const EVENTS = [
  event('OrchestrationStarted', {
    name: z.string(),
    version: z.string(),
    input: json('The input'),
    parent_instance: z.string().optional(),
    parent_id: z.number().int().optional(),
    parent_execution_id: z.number().int().optional(),
    carry_forward_events: z
      .array(z.tuple([z.string(), z.string()]))
      .optional()
      .openapi({ description: '[queue, data] pairs carried over by continue-as-new' }),
    initial_custom_status: z.string().nullable().optional(),
    trace,
  }),
  event('OrchestrationCompleted', { output: json('The output') }),
  event('OrchestrationFailed', details),
  event('OrchestrationContinuedAsNew', { input: json('The next input') }),
  event('OrchestrationCancelRequested', { ...reason, trace }),
  event('ActivityScheduled', {
    name: z.string(),
    input: json('The input'),
    session_id: z.string().optional(),
    tag: z.string().optional(),
    trace,
  }),
  event('ActivityCompleted', { result: json('The result') }),
  event('ActivityFailed', details),
  event('ActivityCancelRequested', reason),
  event('TimerCreated', { fire_at_ms: z.number().int() }),
  event('TimerFired', { fire_at_ms: z.number().int() }),
  event('ExternalSubscribed', { name: z.string() }),
  event('ExternalEvent', { name: z.string(), data: json('The data'), trace }),
  event('ExternalSubscribedCancelled', reason),
  event('QueueSubscribed', { name: z.string() }),
  event('QueueEventDelivered', { name: z.string(), data: json('The data'), trace }),
  event('QueueSubscriptionCancelled', reason),
  event('SubOrchestrationScheduled', {
    name: z.string(),
    instance: z.string(),
    input: json('The input'),
    version: z.string().optional(),
    trace,
  }),
  event('SubOrchestrationCompleted', { result: json('The result') }),
  event('SubOrchestrationFailed', details),
  event('SubOrchestrationCancelRequested', reason),
  event('OrchestrationChained', {
    name: z.string(),
    instance: z.string(),
    input: json('The input'),
    version: z.string().optional(),
    trace,
  }),
  event('CustomStatusUpdated', { status: z.string().nullable() }),
  event('KeyValueSet', { key: z.string(), value: json('The value'), last_updated_at_ms: z.number().int() }),
  event('KeyValueCleared', { key: z.string() }),
  event('KeyValuesCleared', {}),
] as const;

/** A history event (docs/history-format.md): the envelope, the `type` tag and that kind's fields. */
export const HistoryEventSchema = z
  .discriminatedUnion('type', [...EVENTS])
  .openapi('HistoryEvent', { description: 'One recorded event; `type` tells its kind' });

const executionStatus = z.enum(['Running', 'Completed', 'Failed', 'ContinuedAsNew']);

/** A history file in the `durox history dump` format (replay it with `durox history replay`). */
export const HistoryFileSchema = z
  .object({
    format: z.literal('durox-history'),
    formatVersion: z.literal(1),
    exportedAt: z.string().openapi({ description: 'ISO 8601 time of the dump' }),
    duroxVersion: z.string(),
    instance: z.object({
      instanceId: z.string(),
      orchestrationName: z.string(),
      orchestrationVersion: z.string().nullable(),
      status: executionStatus,
      currentExecutionId: z.number().int(),
      parentInstanceId: z.string().nullable(),
      createdAt: z.number().int(),
      updatedAt: z.number().int(),
    }),
    executions: z.array(
      z.object({
        executionId: z.number().int(),
        orchestrationName: z.string(),
        orchestrationVersion: z.string(),
        status: executionStatus,
        startedAt: z.number().int(),
        completedAt: z.number().int().nullable(),
        kvSnapshot: z
          .record(z.object({ value: json('The value'), lastUpdatedAtMs: z.number().int() }))
          .optional()
          .openapi({ description: 'KV state when the execution started (when every earlier one is stored)' }),
        events: z.array(HistoryEventSchema),
      }),
    ),
  })
  .openapi('HistoryFile', { description: 'The `durox history dump` format, ascending by execution' });

/** Registers the components only the hand-written OpenAPI of a lazy schema refers to. */
export function registerEngineComponents(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  registry.register('ApplicationErrorDetails', ApplicationErrorDetailsSchema);
  registry.register('InfrastructureErrorDetails', InfrastructureErrorDetailsSchema);
  registry.register('ConfigurationErrorDetails', ConfigurationErrorDetailsSchema);
  registry.register('PoisonErrorDetails', PoisonErrorDetailsSchema);
}
