/**
 * The runtime logger's line formats: the JSON layout (fixed keys first, `name`/`version` from the
 * orchestration or activity, other fields in camelCase) and the active OpenTelemetry span's ids
 * in every format when there is one (a minimal context manager stands in for an SDK's).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import { createLogger, formatLogRecord } from '../../src/engine/logger.js';

/** A synchronous context manager: enough for `context.with` around a log call. */
class StackContextManager implements ContextManager {
  #stack: Context[] = [];
  active(): Context {
    return this.#stack.at(-1) ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack = [];
    return this;
  }
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

afterEach(() => {
  context.disable();
});

function inSpan<T>(fn: () => T): T {
  context.setGlobalContextManager(new StackContextManager());
  const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  return context.with(trace.setSpan(context.active(), span), fn);
}

describe('runtime logger formats', () => {
  const time = new Date('2026-01-02T03:04:05.678Z');

  it('writes JSON with fixed keys first and orchestration or activity names', () => {
    const orchestration = formatLogRecord(
      {
        time,
        level: 'info',
        target: 'orchestration',
        message: 'hello',
        fields: {
          instance_id: 'i-1',
          execution_id: 2,
          orchestration_name: 'Greet',
          orchestration_version: '1.0.0',
        },
      },
      'json',
    );
    expect(orchestration).toBe(
      '{"time":"2026-01-02T03:04:05.678Z","level":"info","target":"orchestration","message":"hello","name":"Greet","version":"1.0.0","instanceId":"i-1","executionId":2}',
    );
    const activity = JSON.parse(
      formatLogRecord(
        {
          time,
          level: 'warn',
          target: 'runtime',
          message: 'activity failed',
          fields: {
            instance_id: 'i-1',
            activity_name: 'Charge',
            orchestration_name: 'Greet',
            error: 'x',
            no: undefined,
          },
        },
        'json',
      ),
    ) as Record<string, unknown>;
    expect(activity).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'warn',
      target: 'runtime',
      message: 'activity failed',
      name: 'Charge',
      orchestrationName: 'Greet',
      instanceId: 'i-1',
      error: 'x',
    });
  });

  it('adds the active span’s traceId and spanId (trace_id in compact and pretty)', () => {
    const record = {
      time,
      level: 'info' as const,
      target: 'activity',
      message: 'm',
      fields: { instance_id: 'i' },
    };
    expect(JSON.parse(formatLogRecord(record, 'json'))).not.toHaveProperty('traceId');
    const json = inSpan(() => JSON.parse(formatLogRecord(record, 'json')) as Record<string, unknown>);
    expect(json).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, instanceId: 'i' });
    expect(inSpan(() => formatLogRecord(record, 'compact'))).toBe(
      `INFO durox: m instance_id=i trace_id=${TRACE_ID}`,
    );
    // An invalid span context (a no-op tracer's) adds nothing.
    context.setGlobalContextManager(new StackContextManager());
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
    const line = context.with(trace.setSpan(context.active(), invalid), () =>
      formatLogRecord(record, 'json'),
    );
    expect(JSON.parse(line)).not.toHaveProperty('traceId');
  });

  it('logs through the same formatter, with the span of the caller', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', write: (line) => lines.push(line) });
    inSpan(() => logger.log('info', 'in a span', { instance_id: 'i-9' }, 'orchestration'));
    logger.log('debug', 'filtered out');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      target: 'orchestration',
      message: 'in a span',
      instanceId: 'i-9',
      traceId: TRACE_ID,
    });
  });
});
