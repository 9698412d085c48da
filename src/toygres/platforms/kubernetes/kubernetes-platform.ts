/**
 * The `kubernetes` toygres platform: each instance is a Secret, a PVC, a StatefulSet and a Service
 * (see manifests.ts), managed through the Kubernetes REST API with `@kubernetes/client-node`.
 *
 * Every operation is idempotent and checks each of the four objects on its own, so a retry after a
 * partial deploy creates only what is missing and a destroy after a partial deploy removes
 * whatever exists. Readiness is the Ready condition of pod `<name>-0`, which the `pg_isready`
 * readiness probe turns into "PostgreSQL accepts connections".
 */
import type {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  V1ObjectMeta,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { kubernetesClient, loadKubernetesClient } from './client.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type {
  DeployResult,
  DestroyResult,
  Endpoint,
  InstanceSpec,
  Platform,
  Readiness,
} from '../platform.js';
import {
  AZURE_DNS_LABEL_ANNOTATION,
  buildManifests,
  CONTAINER_NAME,
  DEFAULT_NAMESPACE,
  POSTGRES_PORT,
  resourceNames,
  validateSpec,
} from './manifests.js';
import type { Manifest, ManifestOptions } from './manifests.js';
import { KubernetesApiError } from './errors.js';

export { KubernetesApiError };

export interface KubernetesPlatformOptions extends ManifestOptions {
  /** Path of a kubeconfig file. Default: `KUBECONFIG`, then `~/.kube/config`, then in-cluster. */
  kubeconfig?: string;
  /** Context of the kubeconfig to use instead of its current context. */
  context?: string;
  /** Use the pod's service account (in-cluster config) instead of a kubeconfig. */
  inCluster?: boolean;
  /** An already loaded configuration; overrides `kubeconfig`, `inCluster` (not `context`). */
  kubeConfig?: KubeConfig;
  /** Namespace for specs with an empty `namespace`. Default `toygres`. */
  namespace?: string;
  /** Cluster DNS domain for ClusterIP hosts. Default `cluster.local`. */
  clusterDomain?: string;
}

const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

type Kind = 'Secret' | 'PersistentVolumeClaim' | 'StatefulSet' | 'Service';

interface Resource {
  kind: Kind;
  name: string;
  create(): Promise<unknown>;
  read(): Promise<{ metadata?: V1ObjectMeta }>;
  remove(): Promise<unknown>;
}

/**
 * Loads the cluster configuration as the options say (see KubernetesPlatformOptions). The
 * Kubernetes client must be loaded (`loadKubernetesClient()`).
 */
export function loadKubeConfig(options: KubernetesPlatformOptions = {}): KubeConfig {
  let kc = options.kubeConfig;
  if (!kc) {
    kc = new (kubernetesClient().KubeConfig)();
    if (options.inCluster) {
      kc.loadFromCluster();
    } else if (options.kubeconfig) {
      kc.loadFromFile(options.kubeconfig);
    } else {
      const hasDefault =
        !!process.env.KUBECONFIG ||
        existsSync(join(homedir(), '.kube', 'config')) ||
        existsSync(SERVICE_ACCOUNT_TOKEN);
      if (!hasDefault) {
        throw new Error(
          'no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a pod ' +
            'with a service account',
        );
      }
      kc.loadFromDefault();
    }
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new Error(`Kubernetes context '${options.context}' not found in the kubeconfig`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`Kubernetes context '${kc.getCurrentContext()}' has no cluster`);
  }
  return kc;
}

/** The HTTP status of a failed client call, if it got an answer. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Reads the API's Status object from a failed call's body (the client keeps it as text). */
function apiStatus(err: unknown): { message?: string; reason?: string } {
  const body = (err as { body?: unknown } | null)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (parsed && typeof parsed === 'object') {
    const { message, reason } = parsed as { message?: unknown; reason?: unknown };
    return {
      ...(typeof message === 'string' ? { message } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  }
  return {};
}

/** Turns a client failure into a short KubernetesApiError (no headers, no request body). */
function apiError(err: unknown, what: string, hint?: string): KubernetesApiError {
  const status = statusOf(err);
  if (status === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    return new KubernetesApiError(`Kubernetes: ${what} failed: ${message}`, undefined, undefined, {
      cause: err,
    });
  }
  const { message, reason } = apiStatus(err);
  const detail = message ?? reason ?? (status === 401 ? 'Unauthorized' : 'no details');
  return new KubernetesApiError(
    `Kubernetes: ${what} failed: HTTP ${status}: ${detail}${hint ? ` (${hint})` : ''}`,
    status,
    reason ?? (status === 401 ? 'Unauthorized' : undefined),
    { cause: err },
  );
}

export class KubernetesPlatform implements Platform {
  readonly kind = 'kubernetes' as const;
  readonly kubeConfig: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly defaultNamespace: string;
  private readonly clusterDomain: string;
  private readonly manifestOptions: ManifestOptions;
  private region: string | undefined;

  /** Loads the Kubernetes client (MissingDependencyError when it is not installed), then creates the platform. */
  static async create(options: KubernetesPlatformOptions = {}): Promise<KubernetesPlatform> {
    await loadKubernetesClient();
    return new KubernetesPlatform(options);
  }

  /** Needs the Kubernetes client loaded: use {@link KubernetesPlatform.create} or `loadKubernetesClient()` first. */
  constructor(options: KubernetesPlatformOptions = {}) {
    const client = kubernetesClient();
    this.kubeConfig = loadKubeConfig(options);
    this.core = this.kubeConfig.makeApiClient(client.CoreV1Api);
    this.apps = this.kubeConfig.makeApiClient(client.AppsV1Api);
    this.defaultNamespace = options.namespace || DEFAULT_NAMESPACE;
    this.clusterDomain = options.clusterDomain || 'cluster.local';
    this.manifestOptions = {
      ...(options.image !== undefined ? { image: options.image } : {}),
      ...(options.resources !== undefined ? { resources: options.resources } : {}),
      ...(options.storageClassName !== undefined ? { storageClassName: options.storageClassName } : {}),
      ...(options.readinessCommand !== undefined ? { readinessCommand: options.readinessCommand } : {}),
    };
  }

  /** The namespace `spec` lives in. */
  namespaceOf(spec: InstanceSpec): string {
    return spec.namespace || this.defaultNamespace;
  }

  /** The four objects in deploy order; `manifests` only when creating. */
  private resources(spec: InstanceSpec, password?: string): Resource[] {
    const namespace = this.namespaceOf(spec);
    const names = resourceNames(spec.name);
    const m =
      password === undefined ? undefined : buildManifests(spec, namespace, password, this.manifestOptions);
    const body = (manifest: Manifest | undefined): any => {
      if (!manifest) throw new Error('internal: no manifest');
      return manifest;
    };
    return [
      {
        kind: 'Secret',
        name: names.secret,
        create: () => this.core.createNamespacedSecret({ namespace, body: body(m?.secret) }),
        read: () => this.core.readNamespacedSecret({ namespace, name: names.secret }),
        remove: () => this.core.deleteNamespacedSecret({ namespace, name: names.secret }),
      },
      {
        kind: 'PersistentVolumeClaim',
        name: names.pvc,
        create: () => this.core.createNamespacedPersistentVolumeClaim({ namespace, body: body(m?.pvc) }),
        read: () => this.core.readNamespacedPersistentVolumeClaim({ namespace, name: names.pvc }),
        remove: () => this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name: names.pvc }),
      },
      {
        kind: 'StatefulSet',
        name: names.statefulSet,
        create: () => this.apps.createNamespacedStatefulSet({ namespace, body: body(m?.statefulSet) }),
        read: () => this.apps.readNamespacedStatefulSet({ namespace, name: names.statefulSet }),
        remove: () =>
          this.apps.deleteNamespacedStatefulSet({
            namespace,
            name: names.statefulSet,
            propagationPolicy: 'Background',
          }),
      },
      {
        kind: 'Service',
        name: names.service,
        create: () => this.core.createNamespacedService({ namespace, body: body(m?.service) }),
        read: () => this.core.readNamespacedService({ namespace, name: names.service }),
        remove: () => this.core.deleteNamespacedService({ namespace, name: names.service }),
      },
    ];
  }

  /**
   * Creates the Secret, PVC, StatefulSet and Service, each only when missing (409 AlreadyExists
   * counts as done). Existing objects are left as they are. An object still being deleted (say by
   * an earlier destroy) makes the call fail, so that a retry creates it once it is gone.
   */
  async deploy(spec: InstanceSpec, password: string): Promise<DeployResult> {
    validateSpec(spec);
    const namespace = this.namespaceOf(spec);
    const created: string[] = [];
    for (const r of this.resources(spec, password)) {
      const id = `${r.kind}/${r.name}`;
      try {
        await r.create();
        created.push(id);
        continue;
      } catch (err) {
        const status = statusOf(err);
        if (status === 404) {
          throw apiError(
            err,
            `create ${id} in namespace ${namespace}`,
            `does namespace '${namespace}' exist? kubectl create namespace ${namespace}`,
          );
        }
        if (status !== 409) throw apiError(err, `create ${id} in namespace ${namespace}`);
      }
      // 409: it exists. Make sure it is not on its way out.
      let existing: { metadata?: V1ObjectMeta };
      try {
        existing = await r.read();
      } catch (err) {
        throw apiError(err, `read ${id} in namespace ${namespace}`);
      }
      if (existing.metadata?.deletionTimestamp) {
        throw new KubernetesApiError(
          `Kubernetes: ${id} in namespace ${namespace} is still being deleted; deploy again once it is gone`,
          409,
          'AlreadyExists',
        );
      }
    }
    return { created: created.length > 0, resources: created };
  }

  /** Ready when pod `<name>-0` has condition Ready=True (its probe: PostgreSQL accepts connections). */
  async readiness(spec: InstanceSpec): Promise<Readiness> {
    const namespace = this.namespaceOf(spec);
    const podName = resourceNames(spec.name).pod;
    let pod: V1Pod;
    try {
      pod = await this.core.readNamespacedPod({ namespace, name: podName });
    } catch (err) {
      if (statusOf(err) === 404) return { ready: false, phase: 'NotFound' };
      throw apiError(err, `read Pod/${podName} in namespace ${namespace}`);
    }
    return podReadiness(pod);
  }

  /**
   * LoadBalancer: the first ingress IP (or hostname), `null` until there is one, plus the Azure DNS
   * name when the Service has a DNS label and a node tells the region. ClusterIP: the Service's
   * cluster DNS name. Fails when the Service does not exist.
   */
  async endpoint(spec: InstanceSpec): Promise<Endpoint | null> {
    const namespace = this.namespaceOf(spec);
    const serviceName = resourceNames(spec.name).service;
    let service: V1Service;
    try {
      service = await this.core.readNamespacedService({ namespace, name: serviceName });
    } catch (err) {
      throw apiError(err, `read Service/${serviceName} in namespace ${namespace}`);
    }
    const port = service.spec?.ports?.[0]?.port ?? POSTGRES_PORT;
    if (service.spec?.type !== 'LoadBalancer') {
      return { host: `${serviceName}.${namespace}.svc.${this.clusterDomain}`, port };
    }
    const ingress = service.status?.loadBalancer?.ingress?.[0];
    const host = ingress?.ip || ingress?.hostname;
    if (!ingress || !host) return null;
    const endpoint: Endpoint = { host, port };
    if (ingress.ip) endpoint.externalIp = ingress.ip;
    const dnsLabel = service.metadata?.annotations?.[AZURE_DNS_LABEL_ANNOTATION];
    if (dnsLabel) {
      const region = await this.clusterRegion();
      if (region) endpoint.dnsName = `${dnsLabel}.${region}.cloudapp.azure.com`;
    }
    return endpoint;
  }

  /**
   * Deletes the Service, StatefulSet, PVC and Secret, each one that exists (404 is fine). Objects
   * already being deleted are not deleted again and not reported. The call does not wait for the
   * pod to stop or the volume to be released (the PVC stays `Terminating` until the pod is gone).
   */
  async destroy(spec: InstanceSpec): Promise<DestroyResult> {
    validateSpec(spec);
    const namespace = this.namespaceOf(spec);
    const byKind = new Map(this.resources(spec).map((r) => [r.kind, r]));
    const order: Kind[] = ['Service', 'StatefulSet', 'PersistentVolumeClaim', 'Secret'];
    const removed: string[] = [];
    for (const kind of order) {
      const r = byKind.get(kind)!;
      const id = `${r.kind}/${r.name}`;
      try {
        const existing = await r.read();
        if (existing.metadata?.deletionTimestamp) continue;
        await r.remove();
        removed.push(id);
      } catch (err) {
        if (statusOf(err) === 404) continue;
        throw apiError(err, `delete ${id} in namespace ${namespace}`);
      }
    }
    return { deleted: removed.length > 0, removed };
  }

  /** The last `tail` lines of container `postgres` of pod `<name>-0`. */
  async logs(spec: InstanceSpec, tail: number): Promise<string[]> {
    const namespace = this.namespaceOf(spec);
    const podName = resourceNames(spec.name).pod;
    const tailLines = Math.floor(tail);
    if (!(tailLines > 0)) return [];
    let text: string;
    try {
      text = await this.core.readNamespacedPodLog({
        namespace,
        name: podName,
        container: CONTAINER_NAME,
        tailLines,
      });
    } catch (err) {
      throw apiError(err, `read the log of Pod/${podName} in namespace ${namespace}`);
    }
    const lines = String(text ?? '').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-tailLines);
  }

  /** The cluster's region from a node label, or undefined when unknown or not readable. */
  private async clusterRegion(): Promise<string | undefined> {
    if (this.region) return this.region;
    try {
      const nodes = await this.core.listNode({ limit: 10 });
      for (const node of nodes.items) {
        for (const label of REGION_LABELS) {
          const region = node.metadata?.labels?.[label];
          if (region) {
            this.region = region;
            return region;
          }
        }
      }
    } catch {
      // No permission to list nodes (or no nodes): leave the DNS name out.
    }
    return undefined;
  }
}

/** Readiness of a pod: ready only with condition Ready=True; else the phase and what holds it up. */
export function podReadiness(pod: V1Pod): Readiness {
  if (pod.metadata?.deletionTimestamp) return { ready: false, phase: 'Terminating' };
  const phase = pod.status?.phase ?? 'Pending';
  const readyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (phase === 'Running' && readyCondition?.status === 'True') return { ready: true, phase };
  const container = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
  let detail: string | undefined;
  if (container?.state?.waiting?.reason) detail = container.state.waiting.reason;
  else if (container?.state?.terminated?.reason) detail = container.state.terminated.reason;
  else if (container?.state?.running) detail = 'not ready';
  else {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') detail = scheduled.reason ?? 'Unschedulable';
  }
  return { ready: false, phase: detail ? `${phase} (${detail})` : phase };
}
