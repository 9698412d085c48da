/**
 * Response schemas of the toygres routes: the control plane's views (`InstanceView`,
 * `InstanceDetails`, `HealthReport`, `ConnectionDetails`) as the OpenAPI document describes them.
 * Handlers return the control plane's values as they are; `test/server/schemas.test.ts` checks
 * at compile time that each schema describes its type.
 */
import { z } from '@hono/zod-openapi';

const instanceState = z.enum(['creating', 'running', 'failed', 'deleting', 'deleted']);
const health = z.enum(['unknown', 'healthy', 'unhealthy']);

/** Where an instance listens (no password). */
export const ConnectionInfoSchema = z
  .object({
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    database: z.string(),
    externalIp: z.string().nullable(),
    dnsName: z.string().nullable(),
  })
  .openapi('PgConnectionInfo', { description: 'Where the instance listens (no password)' });

/** An instance as `list` and `get` show it. */
export const InstanceViewSchema = z
  .object({
    name: z.string(),
    recordId: z.string(),
    state: instanceState,
    stateMessage: z.string().nullable(),
    health,
    latencyMs: z.number().nullable(),
    lastHealthCheckAt: z.number().int().nullable(),
    serverVersion: z.string().nullable(),
    platform: z.enum(['local', 'kubernetes']),
    namespace: z.string(),
    postgresVersion: z.string(),
    storageGb: z.number().int(),
    loadBalancer: z.boolean(),
    dnsLabel: z.string().nullable(),
    connection: ConnectionInfoSchema.nullable(),
    connectionString: z
      .string()
      .nullable()
      .openapi({ description: 'The connection string with the password masked' }),
    orchestrations: z.object({
      create: z.string(),
      delete: z.string().nullable(),
      actor: z.string().nullable(),
    }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    deletedAt: z.number().int().nullable(),
  })
  .openapi('PgInstance', { description: 'A PostgreSQL instance (the password masked)' });

/** The status of one of an instance's orchestrations. */
const OrchestrationRefSchema = z
  .object({
    instanceId: z.string(),
    status: z.enum(['NotFound', 'Pending', 'Running', 'Completed', 'Failed']),
    customStatus: z.string().optional(),
    error: z.string().optional(),
  })
  .openapi('PgOrchestrationRef', { description: "The status of one of an instance's orchestrations" });

/** One instance with its events and its orchestrations' statuses. */
export const InstanceDetailsSchema = InstanceViewSchema.extend({
  events: z
    .array(
      z.object({
        id: z.number().int(),
        instanceId: z.string(),
        kind: z.enum(['state_change', 'note']),
        oldState: instanceState.nullable(),
        newState: instanceState.nullable(),
        message: z.string().nullable(),
        at: z.number().int(),
      }),
    )
    .openapi({ description: 'State changes and notes, oldest first' }),
  status: z.object({
    create: OrchestrationRefSchema.nullable(),
    actor: OrchestrationRefSchema.nullable(),
    delete: OrchestrationRefSchema.nullable(),
  }),
}).openapi('PgInstanceDetails', { description: 'An instance with its events and orchestrations' });

/** The latest health and recent checks. */
export const HealthReportSchema = z
  .object({
    name: z.string(),
    state: instanceState,
    health,
    latencyMs: z.number().nullable(),
    lastHealthCheckAt: z.number().int().nullable(),
    actor: OrchestrationRefSchema.nullable().openapi({
      description: "The health actor's status; its customStatus is JSON (health, latency, cycle)",
    }),
    checks: z
      .array(
        z.object({
          id: z.number().int(),
          instanceId: z.string(),
          status: z.enum(['healthy', 'unhealthy']),
          latencyMs: z.number().nullable(),
          serverVersion: z.string().nullable(),
          error: z.string().nullable(),
          checkedAt: z.number().int(),
        }),
      )
      .openapi({ description: 'Newest first' }),
  })
  .openapi('HealthReport', { description: 'Health, latency, the actor status and checks' });

/** How to connect. */
export const ConnectionDetailsSchema = z
  .object({
    name: z.string(),
    state: instanceState,
    connection: ConnectionInfoSchema,
    connectionString: z.string().openapi({ description: 'Password masked unless passwordShown' }),
    passwordShown: z.boolean(),
    password: z.string().optional().openapi({ description: 'Only with showPassword=true (admin)' }),
  })
  .openapi('ConnectionDetails', { description: 'Host, port, user, database and the connection string' });
