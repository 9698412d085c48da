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
import type { ControlPlane } from '../../toygres/control-plane.js';
import { createInstanceRequest, instanceName } from '../../toygres/types.js';
import { requireScope } from '../auth.js';
import type { AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses, jsonResponse, untypedJson } from '../schemas.js';
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
      202: jsonResponse(
        z
          .object({
            name: z.string(),
            recordId: z.string(),
            orchestrationId: z.string(),
            platform: z.enum(['local', 'kubernetes']),
            postgresVersion: z.string(),
            passwordGenerated: z.boolean(),
            operation: z.string().openapi({ description: 'Path of the operation to follow' }),
          })
          .openapi('InstanceCreating'),
        'The create started',
      ),
      ...errorResponses(
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
      ...errorResponses({ status: 400, description: 'Invalid query' }),
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
      ...errorResponses({ status: 404, description: 'Unknown instance' }),
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/instances/{name}',
    tags: ['instances'],
    summary: 'Delete an instance (scope write); follow it with GET /operations/{id}',
    request: { params: NameParam },
    responses: {
      202: jsonResponse(
        z
          .object({
            name: z.string(),
            recordId: z.string(),
            orchestrationId: z.string(),
            alreadyInProgress: z.boolean(),
            operation: z.string(),
          })
          .openapi('InstanceDeleting'),
        'The delete started',
      ),
      ...errorResponses(
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
      ...errorResponses({ status: 404, description: 'Unknown instance' }),
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
  app.openapi(routes.create, async (c) => {
    const created = await createInstance(await controlPlane(), c.req.valid('json'));
    return untypedJson(c, { ...created, operation: `/operations/${created.orchestrationId}` }, 202);
  });

  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const items = await listInstances(await controlPlane(), {
      ...(q.state === undefined ? {} : { states: [q.state] }),
      limit: q.limit,
    });
    return untypedJson(c, { items }, 200);
  });

  app.openapi(routes.get, async (c) =>
    untypedJson(c, await getInstance(await controlPlane(), c.req.valid('param').name), 200),
  );

  app.openapi(routes.delete, async (c) => {
    const started = await deleteInstance(await controlPlane(), c.req.valid('param').name);
    return untypedJson(c, { ...started, operation: `/operations/${started.orchestrationId}` }, 202);
  });

  app.openapi(routes.health, async (c) => {
    const report = await instanceHealth(await controlPlane(), c.req.valid('param').name, {
      limit: c.req.valid('query').limit,
    });
    return untypedJson(c, report, 200);
  });

  app.openapi(routes.connection, async (c) => {
    const showPassword = c.req.valid('query').showPassword === 'true';
    if (showPassword) requireScope(c.get('token'), 'admin', 'showPassword=true');
    const details = await connectionInfo(await controlPlane(), c.req.valid('param').name, { showPassword });
    return untypedJson(c, details, 200);
  });

  app.openapi(routes.operation, async (c) => {
    const { id } = c.req.valid('param');
    const [, kind, name] = OPERATION_ID.exec(id) as RegExpExecArray;
    const status = await (await controlPlane()).client.getStatus(id);
    if (status.status === 'NotFound') throw new ApiError('NOT_FOUND', `operation '${id}' not found`);
    return untypedJson(
      c,
      {
        id,
        kind: kind as 'create' | 'delete',
        name: name!,
        status: status.status,
        done: status.status === 'Completed' || status.status === 'Failed',
        progress: status.customStatus ?? null,
        error: status.error ?? null,
      },
      200,
    );
  });
}
