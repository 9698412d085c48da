/**
 * `readExecutionHistory`'s event views, kind by kind: `data` is JSON text with payloads embedded
 * as JSON values (duroxide-node's `JsEvent.data`), never JSON strings inside JSON.
 */
import { describe, expect, it } from 'vitest';
import { toEventView } from '../../src/engine/event-view.js';
import type { ErrorDetails } from '../../src/core/failure.js';
import type { EventKind, EventKinds, HistoryEvent } from '../../src/core/history.js';

function event<K extends EventKind>(type: K, fields: EventKinds[K], sourceEventId?: number): HistoryEvent {
  return {
    event_id: 7,
    instance_id: 'i-1',
    execution_id: 2,
    timestamp_ms: 1_700_000_000_000,
    ...(sourceEventId === undefined ? {} : { source_event_id: sourceEventId }),
    type,
    ...fields,
  } as HistoryEvent;
}

const FAILURE: ErrorDetails = {
  category: 'application',
  kind: 'ActivityFailed',
  message: 'card refused',
  retryable: false,
  type: 'PaymentDeclined',
};

/** Every kind with the exact `data` text its view must carry (undefined: no data). */
const CASES: [HistoryEvent, string | undefined][] = [
  [
    event('OrchestrationStarted', { name: 'H', version: '1.0.0', input: '{"greeting":"hello"}' }),
    '{"name":"H","version":"1.0.0","input":{"greeting":"hello"}}',
  ],
  [
    event('OrchestrationStarted', {
      name: 'Child',
      version: '2.0.0',
      input: '"x"',
      parent_instance: 'p-1',
      parent_id: 3,
      parent_execution_id: 1,
      carry_forward_events: [['inbox', '{"n":1}']],
      initial_custom_status: 'warm',
    }),
    '{"name":"Child","version":"2.0.0","input":"x","parentInstance":"p-1","parentId":3,' +
      '"parentExecutionId":1,"carryForwardEvents":[{"name":"inbox","data":{"n":1}}],' +
      '"initialCustomStatus":"warm"}',
  ],
  [event('OrchestrationCompleted', { output: '{"reversed":true}' }), '{"reversed":true}'],
  [event('OrchestrationFailed', { details: FAILURE }), JSON.stringify(FAILURE)],
  [event('OrchestrationContinuedAsNew', { input: '{"n":2}' }), '{"input":{"n":2}}'],
  [event('OrchestrationCancelRequested', { reason: 'by user' }), '{"reason":"by user"}'],
  [event('ActivityScheduled', { name: 'Charge', input: '[1,2]' }), '{"name":"Charge","input":[1,2]}'],
  [
    event('ActivityScheduled', { name: 'Charge', input: 'null', session_id: 's-1', tag: 'gpu' }),
    '{"name":"Charge","input":null,"sessionId":"s-1","tag":"gpu"}',
  ],
  [event('ActivityCompleted', { result: '42' }, 6), '42'],
  [event('ActivityFailed', { details: FAILURE }, 6), JSON.stringify(FAILURE)],
  [event('ActivityCancelRequested', { reason: 'dropped_future' }, 6), '{"reason":"dropped_future"}'],
  [event('TimerCreated', { fire_at_ms: 1_700_000_060_000 }), '{"fireAtMs":1700000060000}'],
  [event('TimerFired', { fire_at_ms: 1_700_000_060_000 }, 6), '{"fireAtMs":1700000060000}'],
  [event('ExternalSubscribed', { name: 'approve' }), '{"name":"approve"}'],
  [
    event('ExternalEvent', { name: 'approve', data: '{"by":"ann"}' }),
    '{"name":"approve","data":{"by":"ann"}}',
  ],
  [
    event('ExternalSubscribedCancelled', { reason: 'orchestration_terminal' }, 6),
    '{"reason":"orchestration_terminal"}',
  ],
  [event('QueueSubscribed', { name: 'inbox' }), '{"name":"inbox"}'],
  [event('QueueEventDelivered', { name: 'inbox', data: '"hi"' }), '{"name":"inbox","data":"hi"}'],
  [event('QueueSubscriptionCancelled', { reason: 'dropped_future' }, 6), '{"reason":"dropped_future"}'],
  [
    event('SubOrchestrationScheduled', { name: 'Ship', instance: 'i-1::sub::7', input: '{"to":"x"}' }),
    '{"name":"Ship","instance":"i-1::sub::7","input":{"to":"x"}}',
  ],
  [event('SubOrchestrationCompleted', { result: '"shipped"' }, 6), '"shipped"'],
  [event('SubOrchestrationFailed', { details: FAILURE }, 6), JSON.stringify(FAILURE)],
  [event('SubOrchestrationCancelRequested', { reason: 'dropped_future' }, 6), '{"reason":"dropped_future"}'],
  [
    event('OrchestrationChained', { name: 'Audit', instance: 'a-1', input: '{"k":1}', version: '1.0.0' }),
    '{"name":"Audit","instance":"a-1","input":{"k":1},"version":"1.0.0"}',
  ],
  // Custom status and KV values are the user's own strings, not JSON payloads.
  [event('CustomStatusUpdated', { status: '{"stage":2}' }), '{"status":"{\\"stage\\":2}"}'],
  [event('CustomStatusUpdated', { status: null }), '{"status":null}'],
  [
    event('KeyValueSet', { key: 'k', value: 'v', last_updated_at_ms: 5 }),
    '{"key":"k","value":"v","lastUpdatedAtMs":5}',
  ],
  [event('KeyValueCleared', { key: 'k' }), '{"key":"k"}'],
  [event('KeyValuesCleared', {}), undefined],
];

describe('history event views', () => {
  it('cover every event kind', () => {
    const kinds = new Set(CASES.map(([e]) => e.type));
    const all: Record<EventKind, true> = {
      OrchestrationStarted: true,
      OrchestrationCompleted: true,
      OrchestrationFailed: true,
      OrchestrationContinuedAsNew: true,
      OrchestrationCancelRequested: true,
      ActivityScheduled: true,
      ActivityCompleted: true,
      ActivityFailed: true,
      ActivityCancelRequested: true,
      TimerCreated: true,
      TimerFired: true,
      ExternalSubscribed: true,
      ExternalEvent: true,
      ExternalSubscribedCancelled: true,
      QueueSubscribed: true,
      QueueEventDelivered: true,
      QueueSubscriptionCancelled: true,
      SubOrchestrationScheduled: true,
      SubOrchestrationCompleted: true,
      SubOrchestrationFailed: true,
      SubOrchestrationCancelRequested: true,
      OrchestrationChained: true,
      CustomStatusUpdated: true,
      KeyValueSet: true,
      KeyValueCleared: true,
      KeyValuesCleared: true,
    };
    expect([...kinds].sort()).toEqual(Object.keys(all).sort());
  });

  it.each(CASES.map(([e, data]) => [e.type, e, data] as const))('%s', (_kind, e, data) => {
    const view = toEventView(e);
    expect(view).toEqual({
      eventId: 7,
      kind: e.type,
      timestampMs: 1_700_000_000_000,
      ...(e.source_event_id === undefined ? {} : { sourceEventId: e.source_event_id }),
      ...(data === undefined ? {} : { data }),
    });
    if (view.data !== undefined) expect(() => JSON.parse(view.data!) as unknown).not.toThrow();
  });

  it('keeps payload text that is not JSON as a JSON string', () => {
    expect(toEventView(event('ActivityCompleted', { result: 'plain text' }, 6)).data).toBe('"plain text"');
    expect(toEventView(event('ActivityScheduled', { name: 'A', input: 'raw' })).data).toBe(
      '{"name":"A","input":"raw"}',
    );
  });
});
