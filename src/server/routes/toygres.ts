/**
 * Toygres routes: PostgreSQL instances through the control plane, with the CLI's validation
 * (the control plane's zod schemas), state rules (CONFLICT while a name is taken, NOT_FOUND for
 * deleted names) and secret handling: views carry masked connection strings; the password only
 * appears in `GET /instances/{name}/connection?showPassword=true`, which needs the admin scope.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  connectionInfo,
  createInstance,
  deleteInstance,
  getInstance,
  instanceHealth,
  instanceStates,
  listInstances,
} from '../../toygres/control-plane.js';
import type { OrchestrationStatus } from '../../engine/client.js';
import type { ControlPlane } from '../../toygres/control-plane.js';
import { createInstanceRequest, instanceName } from '../../toygres/types.js';
import { requireScope } from '../auth.js';
import type { AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, jsonResponse, untypedJson } from '../schemas.js';
import type { JsonContext } from '../schemas.js';
import {
  ConnectionDetailsSchema,
  HealthReportSchema,
  InstanceDetailsSchema,
  InstanceViewSchema,
} from '../toygres-schemas.js';

const NameParam = z.object({
  name: instanceName.openapi({ param: { name: 'name', in: 'path' }, example: 'orders' }),
});

const OPERATION_ID = /^(create|delete)-(.+)$/;

/**
 * The 202 answer of a create or delete: the instance's ids, what differs per operation
 * (`fields`), and the path of the operation to follow.
 */
function operationStarted<F extends z.ZodRawShape>(component: string, fields: F, description: string) {
  return jsonResponse(
    z
      .object({
        name: z.string(),
        recordId: z.string(),
        orchestrationId: z.string(),
        ...fields,
        operation: z.string().openapi({ description: 'Path of the operation to follow' }),
      })
      .openapi(component),
    description,
  );
}

/** A started create or delete with the path of its operation (`GET /operations/{id}`). */
function withOperation<T extends { orchestrationId: string }>(started: T): T & { operation: string } {
  return { ...started, operation: `/operations/${started.orchestrationId}` };
}

/** The view of operation `id` (`create-<name>` or `delete-<name>`); NOT_FOUND when it never started. */
function operationView(id: string, status: OrchestrationStatus) {
  const [, kind, name] = OPERATION_ID.exec(id) as RegExpExecArray;
  if (status.status === 'NotFound') throw new ApiError('NOT_FOUND', `operation '${id}' not found`);
  return {
    id,
    kind: kind as 'create' | 'delete',
    name: name!,
    status: status.status,
    done: status.status === 'Completed' || status.status === 'Failed',
    progress: status.customStatus ?? null,
    error: status.error ?? null,
  };
}

const routes = {
  create: createRoute({
    method: 'post',
    path: '/instances',
    tags: ['instances'],
    summary: 'Create a PostgreSQL instance (scope write); follow it with GET /operations/{id}',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: createInstanceRequest.openapi('CreateInstance') } },
      },
    },
    responses: {
      202: operationStarted(
        'InstanceCreating',
        {
          platform: z.enum(['local', 'kubernetes']),
          postgresVersion: z.string(),
          passwordGenerated: z.boolean(),
        },
        'The create started',
      ),
      ...errorResponses(
        'write',
        { status: 400, description: 'Invalid body' },
        { status: 409, description: 'The name is taken (CONFLICT)' },
      ),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/instances',
    tags: ['instances'],
    summary: 'List instances, newest first (scope read)',
    request: {
      query: z.object({
        state: instanceStates
          .optional()
          .openapi({ description: 'Only this state (default: all but deleted)' }),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(InstanceViewSchema) }).openapi('PgInstanceList'),
        'Instances (passwords masked)',
      ),
      ...errorResponses('read', { status: 400, description: 'Invalid query' }),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/instances/{name}',
    tags: ['instances'],
    summary: 'One instance with its events and orchestrations (scope read)',
    request: { params: NameParam },
    responses: {
      200: jsonResponse(InstanceDetailsSchema, 'The instance (password masked)'),
      ...errorResponses('read', { status: 404, description: 'Unknown instance' }),
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/instances/{name}',
    tags: ['instances'],
    summary: 'Delete an instance (scope write); follow it with GET /operations/{id}',
    request: { params: NameParam },
    responses: {
      202: operationStarted('InstanceDeleting', { alreadyInProgress: z.boolean() }, 'The delete started'),
      ...errorResponses(
        'write',
        { status: 404, description: 'Unknown or deleted instance' },
        { status: 409, description: 'Still being created (CONFLICT)' },
      ),
    },
  }),
  health: createRoute({
    method: 'get',
    path: '/instances/{name}/health',
    tags: ['instances'],
    summary: 'Latest health and recent checks (scope read)',
    request: {
      params: NameParam,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) }),
    },
    responses: {
      200: jsonResponse(HealthReportSchema, 'Health'),
      ...errorResponses('read', { status: 404, description: 'Unknown instance' }),
    },
  }),
  connection: createRoute({
    method: 'get',
    path: '/instances/{name}/connection',
    tags: ['instances'],
    summary: 'How to connect (scope read; showPassword=true needs admin)',
    request: {
      params: NameParam,
      query: z.object({ showPassword: z.enum(['true', 'false']).optional() }),
    },
    responses: {
      200: jsonResponse(ConnectionDetailsSchema, 'Connection details (password only with showPassword=true)'),
      ...errorResponses(
        'admin',
        { status: 404, description: 'Unknown instance' },
        { status: 409, description: 'The instance has no connection (FAILED)' },
      ),
    },
  }),
  operation: createRoute({
    method: 'get',
    path: '/operations/{id}',
    tags: ['instances'],
    summary: 'Progress of a create or delete (scope read)',
    request: {
      params: z.object({
        id: z
          .string()
          .max(300)
          .regex(OPERATION_ID, 'must be create-<name> or delete-<name>')
          .openapi({ param: { name: 'id', in: 'path' }, example: 'create-orders' }),
      }),
    },
    responses: {
      200: jsonResponse(
        z
          .object({
            id: z.string(),
            kind: z.enum(['create', 'delete']),
            name: z.string(),
            status: z.enum(['Pending', 'Running', 'Completed', 'Failed']),
            done: z.boolean(),
            progress: z.string().nullable(),
            error: z.string().nullable(),
          })
          .openapi('Operation'),
        'The operation',
      ),
      ...errorResponses(
        'read',
        { status: 400, description: 'Not an operation id' },
        { status: 404, description: 'Unknown operation' },
      ),
    },
  }),
};

/** Registers the toygres routes on `app`; `controlPlane` opens the metadata store on first use. */
export function registerToygresRoutes(
  app: OpenAPIHono<AppEnv>,
  controlPlane: () => Promise<ControlPlane>,
): void {
  // Every handler opens the control plane, asks it one thing and answers with what it returned:
  // a handler says only what it asks and with which status it answers.
  const answer = async <S extends 200 | 202>(
    c: JsonContext<S>,
    status: S,
    ask: (plane: ControlPlane) => Promise<unknown>,
  ): Promise<never> => untypedJson(c, await ask(await controlPlane()), status);

  app.openapi(routes.create, (c) =>
    answer(c, 202, async (plane) => withOperation(await createInstance(plane, c.req.valid('json')))),
  );

  app.openapi(routes.list, (c) => {
    const q = c.req.valid('query');
    const filter = { ...(q.state === undefined ? {} : { states: [q.state] }), limit: q.limit };
    return answer(c, 200, async (plane) => ({ items: await listInstances(plane, filter) }));
  });

  app.openapi(routes.get, (c) => answer(c, 200, (plane) => getInstance(plane, c.req.valid('param').name)));

  app.openapi(routes.delete, (c) =>
    answer(c, 202, async (plane) => withOperation(await deleteInstance(plane, c.req.valid('param').name))),
  );

  app.openapi(routes.health, (c) =>
    answer(c, 200, (plane) =>
      instanceHealth(plane, c.req.valid('param').name, { limit: c.req.valid('query').limit }),
    ),
  );

  app.openapi(routes.connection, (c) => {
    const showPassword = c.req.valid('query').showPassword === 'true';
    // Refused before the control plane is opened: a missing scope answers 403 whatever the name.
    if (showPassword) requireScope(c.get('token'), 'admin', 'showPassword=true');
    return answer(c, 200, (plane) => connectionInfo(plane, c.req.valid('param').name, { showPassword }));
  });

  app.openapi(routes.operation, (c) => {
    const { id } = c.req.valid('param');
    return answer(c, 200, async (plane) => operationView(id, await plane.client.getStatus(id)));
  });
}
