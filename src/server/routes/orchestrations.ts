/**
 * Orchestration routes: start, status, long-poll wait, raise, enqueue, cancel, delete, list with
 * filters and paging, history (the `durox history dump` format) and the instance tree. Requests
 * are validated with the CLI's own schemas (ids, names) and the same state rules (a message for
 * an ended instance is refused, an existing id is a conflict).
 */
import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '../../engine/client.js';
import type { InstanceInfoView } from '../../engine/management.js';
import { SYSCALL_PREFIX } from '../../engine/replay/tasks.js';
import { buildHistoryFile } from '../../cli/history-file.js';
import type { ExecutionSelection } from '../../cli/history-file.js';
import { instanceId, name } from '../../cli/input.js';
import { readTree, requireRunning, startNewInstance } from '../../cli/instances.js';
import type { TreeNode } from '../../cli/instances.js';
import type { AppEnv } from '../auth.js';
import { ErrorDetailsSchema, HistoryFileSchema, WaitingOnSchema } from '../engine-schemas.js';
import { ApiError } from '../errors.js';
import { longPoll } from '../long-poll.js';
import { errorResponses, JsonValue, jsonResponse, untypedJson } from '../schemas.js';

const STATUSES = ['Pending', 'Running', 'Completed', 'Failed', 'ContinuedAsNew'] as const;

/** The longest long-poll of `GET /orchestrations/{id}/wait` (ms). */
export const MAX_WAIT_MS = 60_000;

const IdParam = z.object({
  id: instanceId.openapi({ param: { name: 'id', in: 'path' }, example: 'order-1' }),
});

const InstanceSchema = z
  .object({
    instanceId: z.string(),
    orchestrationName: z.string(),
    orchestrationVersion: z.string().nullable(),
    currentExecutionId: z.number().int(),
    status: z.enum(STATUSES),
    output: JsonValue.optional(),
    failureDetails: ErrorDetailsSchema.optional(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    parentInstanceId: z.string().optional(),
    customStatus: z.string().optional(),
    customStatusVersion: z.number().int(),
    waitingOn: WaitingOnSchema.optional(),
  })
  .openapi('Instance');

const StartBody = z
  .object({
    name: name.openapi({ example: 'OrderWorkflow' }),
    id: instanceId.optional().openapi({ description: 'Instance id (default: <name>-<random>)' }),
    input: JsonValue.optional(),
    version: name.optional().openapi({ description: 'Run this version instead of the latest' }),
  })
  .strict()
  .openapi('StartOrchestration');

const Started = z
  .object({
    instanceId: z.string(),
    orchestrationName: z.string(),
    orchestrationVersion: z.string().nullable(),
    status: z.literal('Pending'),
    input: JsonValue,
  })
  .openapi('Started');

const Accepted = z.object({ instanceId: z.string(), accepted: z.literal(true) }).openapi('Accepted');

const TreeSchema: z.ZodType<TreeNode> = z
  .lazy(() =>
    z.object({
      instanceId: z.string(),
      orchestrationName: z.string(),
      orchestrationVersion: z.string().nullable(),
      status: z.enum(STATUSES),
      children: z.array(TreeSchema),
    }),
  )
  .openapi('TreeNode', {
    type: 'object',
    description: 'An instance and its sub-orchestrations, recursively',
    properties: {
      instanceId: { type: 'string' },
      orchestrationName: { type: 'string' },
      orchestrationVersion: { type: 'string', nullable: true },
      status: { type: 'string', enum: [...STATUSES] },
      children: { type: 'array', items: { $ref: '#/components/schemas/TreeNode' } },
    },
    required: ['instanceId', 'orchestrationName', 'orchestrationVersion', 'status', 'children'],
  });

const json = <S extends z.ZodTypeAny>(schema: S) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const routes = {
  start: createRoute({
    method: 'post',
    path: '/orchestrations',
    tags: ['orchestrations'],
    summary: 'Start an orchestration instance (scope write)',
    request: { body: json(StartBody) },
    responses: {
      201: jsonResponse(Started, 'Created; a worker runs it'),
      ...errorResponses(
        'write',
        { status: 400, description: 'Invalid body' },
        { status: 409, description: 'The id exists (INSTANCE_EXISTS)' },
      ),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/orchestrations',
    tags: ['orchestrations'],
    summary: 'List instances with filters and paging (scope read)',
    request: {
      query: z.object({
        status: z.enum(['Pending', 'Running', 'Completed', 'Failed']).optional(),
        name: name.optional().openapi({ description: 'Orchestration name' }),
        idContains: z.string().max(256).optional(),
        rootsOnly: z.enum(['true', 'false']).optional(),
        orderBy: z.enum(['createdAt', 'updatedAt', 'instanceId']).optional(),
        order: z.enum(['asc', 'desc']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
    responses: {
      200: jsonResponse(
        z
          .object({
            items: z.array(InstanceSchema),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          })
          .openapi('InstancePage'),
        'A page of instances',
      ),
      ...errorResponses('read', { status: 400, description: 'Invalid query' }),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/orchestrations/{id}',
    tags: ['orchestrations'],
    summary: 'Status, output or error, custom status and what it waits on (scope read)',
    request: { params: IdParam },
    responses: {
      200: jsonResponse(InstanceSchema, 'The instance'),
      ...errorResponses('read', { status: 404, description: 'Unknown instance' }),
    },
  }),
  wait: createRoute({
    method: 'get',
    path: '/orchestrations/{id}/wait',
    tags: ['orchestrations'],
    summary: 'Long-poll until the instance ends or the timeout runs out (scope read)',
    request: {
      params: IdParam,
      query: z.object({
        timeoutMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(30_000),
      }),
    },
    responses: {
      200: jsonResponse(
        InstanceSchema.extend({ timedOut: z.boolean() }).openapi('WaitResult'),
        'The instance: ended, or still running when timedOut',
      ),
      ...errorResponses(
        'read',
        { status: 404, description: 'Unknown instance' },
        {
          status: 503,
          description:
            'The server is shutting down (SHUTTING_DOWN, with Retry-After): the wait was cut short; repeat it',
        },
      ),
    },
  }),
  raise: createRoute({
    method: 'post',
    path: '/orchestrations/{id}/events',
    tags: ['orchestrations'],
    summary: 'Raise an external event (scope write)',
    request: {
      params: IdParam,
      body: json(z.object({ name, data: JsonValue.optional() }).strict().openapi('RaiseEvent')),
    },
    responses: {
      202: jsonResponse(Accepted, 'Delivered to the instance'),
      ...errorResponses(
        'write',
        { status: 400, description: 'Invalid body' },
        { status: 404, description: 'Unknown instance' },
        { status: 409, description: 'The instance ended (INSTANCE_ENDED)' },
      ),
    },
  }),
  enqueue: createRoute({
    method: 'post',
    path: '/orchestrations/{id}/queue',
    tags: ['orchestrations'],
    summary: 'Enqueue a message on a named queue (scope write)',
    request: {
      params: IdParam,
      body: json(z.object({ queue: name, data: JsonValue.optional() }).strict().openapi('EnqueueEvent')),
    },
    responses: {
      202: jsonResponse(Accepted, 'Queued for the instance'),
      ...errorResponses(
        'write',
        { status: 400, description: 'Invalid body' },
        { status: 404, description: 'Unknown instance' },
        { status: 409, description: 'The instance ended (INSTANCE_ENDED)' },
      ),
    },
  }),
  cancel: createRoute({
    method: 'post',
    path: '/orchestrations/{id}/cancel',
    tags: ['orchestrations'],
    summary: 'Cancel an instance (scope write)',
    request: {
      params: IdParam,
      body: {
        required: false,
        content: {
          'application/json': {
            schema: z
              .object({ reason: z.string().max(1024).optional() })
              .strict()
              .openapi('Cancel'),
          },
        },
      },
    },
    responses: {
      202: jsonResponse(Accepted, 'Cancellation requested'),
      ...errorResponses(
        'write',
        { status: 404, description: 'Unknown instance' },
        { status: 409, description: 'The instance ended (INSTANCE_ENDED)' },
      ),
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/orchestrations/{id}',
    tags: ['orchestrations'],
    summary: 'Delete a root instance and its sub-orchestrations (scope write)',
    request: {
      params: IdParam,
      query: z.object({ force: z.enum(['true', 'false']).optional() }),
    },
    responses: {
      200: jsonResponse(
        z
          .object({
            instancesDeleted: z.number().int(),
            executionsDeleted: z.number().int(),
            eventsDeleted: z.number().int(),
            queueMessagesDeleted: z.number().int(),
          })
          .openapi('Deleted'),
        'Deleted',
      ),
      ...errorResponses(
        'write',
        { status: 404, description: 'Unknown instance' },
        { status: 409, description: 'Still running without force=true, or a sub-orchestration' },
      ),
    },
  }),
  history: createRoute({
    method: 'get',
    path: '/orchestrations/{id}/history',
    tags: ['orchestrations'],
    summary: 'History in the `durox history dump` format (scope read)',
    request: {
      params: IdParam,
      query: z.object({
        execution: z
          .union([z.enum(['current', 'all']), z.coerce.number().int().min(1)])
          .default('current')
          .openapi({ description: "'current' (default), 'all' or an execution id", type: 'string' }),
      }),
    },
    responses: {
      200: jsonResponse(HistoryFileSchema, 'The history file'),
      ...errorResponses('read', {
        status: 404,
        description: 'Unknown instance or execution, or still Pending',
      }),
    },
  }),
  tree: createRoute({
    method: 'get',
    path: '/orchestrations/{id}/tree',
    tags: ['orchestrations'],
    summary: 'The instance and its sub-orchestrations (scope read)',
    request: { params: IdParam },
    responses: {
      200: jsonResponse(TreeSchema, 'The tree'),
      ...errorResponses('read', { status: 404, description: 'Unknown instance' }),
    },
  }),
};

/** The instance as the API shows it. */
function view(info: InstanceInfoView): z.infer<typeof InstanceSchema> {
  return { ...info };
}

/**
 * Registers the orchestration routes on `app`. Once `stopping` is aborted, long-polls in flight
 * and new ones answer 503 `SHUTTING_DOWN` at once.
 */
export function registerOrchestrationRoutes(
  app: OpenAPIHono<AppEnv>,
  client: Client,
  stopping?: AbortSignal,
): void {
  app.openapi(routes.start, async (c) => {
    const body = c.req.valid('json');
    if (body.name.startsWith(SYSCALL_PREFIX)) {
      throw new ApiError('INVALID_INPUT', `names starting with ${SYSCALL_PREFIX} are durox's own`);
    }
    const id = body.id ?? `${body.name}-${randomUUID().slice(0, 8)}`;
    const version = body.version ?? null;
    await startNewInstance(client, id, body.name, body.input, version);
    const started: z.infer<typeof Started> = {
      instanceId: id,
      orchestrationName: body.name,
      orchestrationVersion: version,
      status: 'Pending',
      input: body.input ?? null,
    };
    return untypedJson(c, started, 201);
  });

  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const query = {
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.name === undefined ? {} : { orchestrationName: q.name }),
      ...(q.idContains === undefined ? {} : { idContains: q.idContains }),
      ...(q.rootsOnly === 'true' ? { rootsOnly: true } : {}),
      ...(q.orderBy === undefined ? {} : { orderBy: q.orderBy }),
      descending: q.order !== 'asc',
    };
    const [infos, total] = await Promise.all([
      client.listInstances({ ...query, limit: q.limit, offset: q.offset }),
      client.countInstances(query),
    ]);
    const items = await Promise.all(infos.map((i) => client.getInstanceInfo(i.instanceId).catch(() => null)));
    const page = {
      items: items.filter((i) => i !== null).map(view),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    return untypedJson(c, page, 200);
  });

  app.openapi(routes.get, async (c) =>
    untypedJson(c, view(await client.getInstanceInfo(c.req.valid('param').id)), 200),
  );

  app.openapi(routes.wait, async (c) => {
    const { id } = c.req.valid('param');
    const { timeoutMs } = c.req.valid('query');
    await client.getInstanceInfo(id); // NOT_FOUND first
    const outcome = await longPoll(client, id, timeoutMs, stopping);
    if (outcome === 'stopping') {
      throw new ApiError('SHUTTING_DOWN', 'the server is shutting down: repeat the wait (on another server)');
    }
    return untypedJson(
      c,
      { ...view(await client.getInstanceInfo(id)), timedOut: outcome === 'timedOut' },
      200,
    );
  });

  app.openapi(routes.raise, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireRunning(client, id, 'raise an event for');
    await client.raiseEvent(id, body.name, body.data);
    return c.json({ instanceId: id, accepted: true as const }, 202);
  });

  app.openapi(routes.enqueue, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireRunning(client, id, 'enqueue a message for');
    await client.enqueueEvent(id, body.queue, body.data);
    return c.json({ instanceId: id, accepted: true as const }, 202);
  });

  app.openapi(routes.cancel, async (c) => {
    const { id } = c.req.valid('param');
    const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason;
    await requireRunning(client, id, 'cancel');
    await client.cancelInstance(id, reason);
    return c.json({ instanceId: id, accepted: true as const }, 202);
  });

  app.openapi(routes.delete, async (c) => {
    const { id } = c.req.valid('param');
    const result = await client.deleteInstance(id, c.req.valid('query').force === 'true');
    return c.json({ ...result }, 200);
  });

  app.openapi(routes.history, async (c) => {
    const { id } = c.req.valid('param');
    const { execution } = c.req.valid('query');
    const selection: ExecutionSelection =
      typeof execution === 'number' ? { kind: 'one', executionId: execution } : { kind: execution };
    const file = await buildHistoryFile(client, id, selection);
    return untypedJson(c, file, 200);
  });

  app.openapi(routes.tree, async (c) => {
    const info = await client.getInstanceInfo(c.req.valid('param').id);
    return c.json(await readTree(client, info), 200);
  });
}
