/**
 * Where toygres runs PostgreSQL servers. A platform turns an instance spec into running
 * resources and back; every operation is idempotent because activities run at least once.
 * Passwords are passed in by the caller (read from the secret store inside an activity), so they
 * never appear in orchestration inputs or history.
 */

/** What to deploy. */
export interface InstanceSpec {
  /** Resource name: lowercase letters, digits and '-', starting with a letter (≤ 50 chars). */
  name: string;
  /** Kubernetes namespace (ignored by the local platform). */
  namespace: string;
  /** PostgreSQL major version, e.g. "17". */
  postgresVersion: string;
  storageGb: number;
  /** Kubernetes: a LoadBalancer Service instead of ClusterIP. */
  loadBalancer: boolean;
  /** Kubernetes: DNS label annotation for the LoadBalancer (Azure). */
  dnsLabel?: string;
}

export interface DeployResult {
  /** False when everything already existed (a retry or replay). */
  created: boolean;
  /** Resources created by this call, e.g. `Secret/db1-secret`. */
  resources: string[];
}

export interface Readiness {
  /** True only when the server accepts connections. */
  ready: boolean;
  /** A short phase for progress output, e.g. `Pending`, `Running`, `NotFound`. */
  phase: string;
}

/** How to reach a deployed server (user `postgres`, database `postgres`). */
export interface Endpoint {
  host: string;
  port: number;
  externalIp?: string;
  dnsName?: string;
}

export interface DestroyResult {
  /** False when nothing was there any more. */
  deleted: boolean;
  /** Resources removed by this call. */
  removed: string[];
}

export interface Platform {
  readonly kind: 'local' | 'kubernetes';
  /** Creates whatever is missing for `spec`; never fails because something already exists. */
  deploy(spec: InstanceSpec, password: string): Promise<DeployResult>;
  readiness(spec: InstanceSpec): Promise<Readiness>;
  /** `null` while the endpoint is not known yet (e.g. a LoadBalancer IP still pending). */
  endpoint(spec: InstanceSpec): Promise<Endpoint | null>;
  /** Removes every resource of `spec` that exists, including after a partial deploy. */
  destroy(spec: InstanceSpec): Promise<DestroyResult>;
  /** The last `tail` lines of the server log. */
  logs(spec: InstanceSpec, tail: number): Promise<string[]>;
}
