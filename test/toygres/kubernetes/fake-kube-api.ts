/**
 * A small fake Kubernetes API server for tests (not product code).
 *
 * Plain HTTP on 127.0.0.1 with an ephemeral port, bearer-token auth, objects in memory. It speaks
 * the real REST paths and status codes for what the toygres Kubernetes platform uses:
 *
 * - `/api/v1/namespaces/{ns}/{secrets|persistentvolumeclaims|services|pods}[/{name}]`
 * - `/api/v1/namespaces/{ns}/pods/{name}/log` (`container`, `tailLines`; text/plain)
 * - `/apis/apps/v1/namespaces/{ns}/statefulsets[/{name}]`
 * - `/api/v1/nodes[/{name}]`, `/api/v1/namespaces/{ns}`
 *
 * POST creates (201; 409 AlreadyExists; 404 when the namespace is missing; 422 for a few invalid
 * objects), GET reads (200; 404 NotFound) or lists (with `labelSelector`, `limit`), DELETE removes
 * (200; 404). Errors carry a `Status` object like the real server. Secrets turn `stringData` into
 * base64 `data`, Services get a cluster IP.
 *
 * A controller loop simulates the cluster: a StatefulSet gets pod `<name>-0` after
 * `podCreateDelayMs`; the pod is scheduled once its PVCs exist, its container starts once its
 * Secrets exist, and it becomes Ready `podReadyDelayMs` after creation (at once when the container
 * has no readiness probe, like the real kubelet). Deleting a StatefulSet deletes its pod (garbage
 * collection), pods terminate after `podTerminationMs`, a PVC used by a pod stays Terminating
 * (pvc-protection finalizer) until the pod is gone, and a LoadBalancer Service gets an ingress IP
 * after `loadBalancerDelayMs`.
 *
 * `startFakeKubeApi()` also writes a kubeconfig pointing at the server (`kubeconfigPath`), so any
 * client, e.g. `new KubernetesPlatform({ kubeconfig })` or `KUBECONFIG=… kubectl`, can use it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Resource = 'secrets' | 'persistentvolumeclaims' | 'services' | 'pods' | 'statefulsets' | 'nodes';

/** A stored object (loosely typed on purpose: tests read whatever fields they need). */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string; uid: string }[];
    [field: string]: unknown;
  };
  spec?: any;
  status?: any;
  [field: string]: any;
};

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, if any. */
  body?: unknown;
  /** Response status code. */
  status: number;
}

export interface FakeKubeApiOptions {
  /** Namespaces that exist. Default `['default', 'toygres']`. */
  namespaces?: string[];
  /** Delay before a StatefulSet's pod appears. Default 30 ms. */
  podCreateDelayMs?: number;
  /** Delay from pod creation to Ready (with a readiness probe). Default 150 ms. */
  podReadyDelayMs?: number;
  /** Delay before a LoadBalancer Service gets an ingress IP. Default 150 ms. */
  loadBalancerDelayMs?: number;
  /** The ingress IP LoadBalancer Services get (e.g. `127.0.0.1`). Default: a new `20.50.0.x` each. */
  loadBalancerIp?: string;
  /** Grace period of deleted pods. Default 30 ms. */
  podTerminationMs?: number;
  /** `topology.kubernetes.io/region` of the node; `null` for a node without it. Default `westeurope`. */
  region?: string | null;
  /** Answer 403 to node reads (no cluster-wide RBAC). Default false. */
  nodesForbidden?: boolean;
  /** Bearer token the server requires. Default `fake-token`. */
  token?: string;
  /**
   * The cluster's time, which the delays above follow (default the wall clock); with a
   * `VirtualClock` a test moves it instead of waiting.
   */
  clock?: { now(): number };
}

/** A failure to inject for the next matching request. */
export interface InjectedFailure {
  method: 'GET' | 'POST' | 'DELETE';
  resource: Resource;
  /** Object name (for POST: the name in the body). Any when omitted. */
  name?: string;
  status: number;
  message?: string;
  /** How many requests fail. Default 1. */
  times?: number;
}

export interface FakeKubeObjects {
  get(resource: Resource, namespace: string, name: string): KubeObject | undefined;
  /** All objects of a resource (in one namespace, when given). */
  list(resource: Resource, namespace?: string): KubeObject[];
  /** Stores an object as is (filling in uid, timestamps), bypassing the API, e.g. to seed a test. */
  put(resource: Resource, object: KubeObject): KubeObject;
  /** Removes an object at once, bypassing the API (and finalizers). */
  remove(resource: Resource, namespace: string, name: string): boolean;
  /** Appends lines to a pod's log. */
  appendLog(namespace: string, pod: string, ...lines: string[]): void;
}

export interface FakeKubeApi {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A kubeconfig (context `fake`, namespace `toygres`) pointing at the server. */
  kubeconfigPath: string;
  token: string;
  objects: FakeKubeObjects;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Makes the next matching request(s) fail with `status`. */
  failNext(failure: InjectedFailure): void;
  /** Runs the controller loop once at once (it also runs every 10 ms). */
  reconcile(): void;
  close(): Promise<void>;
}

const KINDS: Record<Resource, { kind: string; apiVersion: string; group: string; namespaced: boolean }> = {
  secrets: { kind: 'Secret', apiVersion: 'v1', group: '', namespaced: true },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', group: '', namespaced: true },
  services: { kind: 'Service', apiVersion: 'v1', group: '', namespaced: true },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '', namespaced: true },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1', group: 'apps', namespaced: true },
  nodes: { kind: 'Node', apiVersion: 'v1', group: '', namespaced: false },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function statusBody(status: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: status,
  };
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const neq = term.split('!=');
      if (neq.length === 2) return have[neq[0]!.trim()] !== neq[1]!.trim();
      const eq = term.split(/==?/);
      if (eq.length === 2) return have[eq[0]!.trim()] === eq[1]!.trim();
      if (term.startsWith('!')) return !(term.slice(1) in have);
      return term in have;
    });
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const namespaces = new Set(options.namespaces ?? ['default', 'toygres']);
  const podCreateDelayMs = options.podCreateDelayMs ?? 30;
  const podReadyDelayMs = options.podReadyDelayMs ?? 150;
  const loadBalancerDelayMs = options.loadBalancerDelayMs ?? 150;
  const podTerminationMs = options.podTerminationMs ?? 30;
  const token = options.token ?? 'fake-token';
  const clock = options.clock ?? { now: () => Date.now() };

  const store = new Map<Resource, Map<string, KubeObject>>();
  for (const r of Object.keys(KINDS) as Resource[]) store.set(r, new Map());
  /** Milliseconds timestamps by uid: creation and deletion (creationTimestamp has 1 s resolution). */
  const createdAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();
  const logs = new Map<string, string[]>();
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  let resourceVersion = 1000;
  let nextIp = 10;

  const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
  const bucket = (r: Resource) => store.get(r)!;
  const bump = (o: KubeObject) => {
    o.metadata.resourceVersion = String(++resourceVersion);
  };

  function put(resource: Resource, object: KubeObject): KubeObject {
    const info = KINDS[resource];
    const o: KubeObject = structuredClone(object);
    o.apiVersion = info.apiVersion;
    o.kind = info.kind;
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= now();
    if (info.namespaced) o.metadata.namespace ??= 'default';
    else delete o.metadata.namespace;
    bump(o);
    createdAt.set(o.metadata.uid, clock.now());
    bucket(resource).set(key(o.metadata.namespace, o.metadata.name), o);
    return o;
  }

  function removeNow(resource: Resource, namespace: string | undefined, name: string): boolean {
    const k = key(namespace, name);
    const o = bucket(resource).get(k);
    if (!o) return false;
    bucket(resource).delete(k);
    if (resource === 'pods') logs.delete(k);
    return true;
  }

  function appendLog(namespace: string, pod: string, ...lines: string[]) {
    const k = key(namespace, pod);
    logs.set(k, [...(logs.get(k) ?? []), ...lines]);
  }

  // --- seed: one node ---
  put('nodes', {
    metadata: {
      name: 'fake-node-1',
      labels: {
        'kubernetes.io/hostname': 'fake-node-1',
        ...(options.region === null
          ? {}
          : { 'topology.kubernetes.io/region': options.region ?? 'westeurope' }),
      },
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });

  // --- validation of created objects (a few rules the real API server enforces) ---
  function validate(resource: Resource, o: KubeObject): void {
    const invalid = (message: string) =>
      new HttpError(422, 'Invalid', `${KINDS[resource].kind} "${o.metadata.name}" is invalid: ${message}`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.metadata.name) || o.metadata.name.length > 63) {
      throw invalid('metadata.name: Invalid value: must be a lowercase RFC 1123 label');
    }
    if (resource === 'secrets' && o.stringData) {
      for (const [k, v] of Object.entries(o.stringData as Record<string, unknown>)) {
        if (typeof v !== 'string') throw invalid(`stringData[${k}]: must be a string`);
      }
    }
    if (resource === 'persistentvolumeclaims') {
      if (!o.spec?.accessModes?.length) throw invalid('spec.accessModes: Required value');
      if (!o.spec?.resources?.requests?.storage) throw invalid('spec.resources[storage]: Required value');
    }
    if (resource === 'services') {
      if (!o.spec?.ports?.length) throw invalid('spec.ports: Required value');
      const type = o.spec.type ?? 'ClusterIP';
      if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
        throw invalid(`spec.type: Unsupported value: "${type}"`);
      }
    }
    if (resource === 'statefulsets' || resource === 'pods') {
      const podSpec = resource === 'pods' ? o.spec : o.spec?.template?.spec;
      if (!podSpec?.containers?.length) throw invalid('spec.template.spec.containers: Required value');
      for (const c of podSpec.containers as any[]) {
        if (!c.name || !c.image) throw invalid('containers: name and image are required');
        for (const e of (c.env ?? []) as any[]) {
          if (e.value !== undefined && e.valueFrom !== undefined) {
            throw invalid(`env[${e.name}].valueFrom: may not be specified when \`value\` is not empty`);
          }
        }
      }
    }
    if (resource === 'statefulsets') {
      const matchLabels: Record<string, string> = o.spec?.selector?.matchLabels ?? {};
      const templateLabels: Record<string, string> = o.spec?.template?.metadata?.labels ?? {};
      if (Object.keys(matchLabels).length === 0) throw invalid('spec.selector: Required value');
      for (const [k, v] of Object.entries(matchLabels)) {
        if (templateLabels[k] !== v) {
          throw invalid(
            'spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`',
          );
        }
      }
    }
  }

  // --- defaults the API server fills in ---
  function admit(resource: Resource, o: KubeObject): void {
    if (resource === 'secrets') {
      o.type ??= 'Opaque';
      const data: Record<string, string> = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>)) {
        data[k] = Buffer.from(v, 'utf8').toString('base64');
      }
      o.data = data;
      delete o.stringData;
    }
    if (resource === 'persistentvolumeclaims') {
      o.metadata.finalizers = ['kubernetes.io/pvc-protection'];
      o.spec.storageClassName ??= 'standard';
      o.spec.volumeMode ??= 'Filesystem';
      o.status = { phase: 'Bound', accessModes: o.spec.accessModes, capacity: o.spec.resources.requests };
    }
    if (resource === 'services') {
      o.spec.type ??= 'ClusterIP';
      o.spec.clusterIP = `10.96.0.${nextIp++ % 250}`;
      o.spec.clusterIPs = [o.spec.clusterIP];
      for (const p of o.spec.ports as any[]) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      o.status = { loadBalancer: {} };
    }
    if (resource === 'statefulsets') {
      o.metadata.generation = 1;
      o.spec.replicas ??= 1;
      o.spec.podManagementPolicy ??= 'OrderedReady';
      o.status = { replicas: 0, availableReplicas: 0, observedGeneration: 1 };
    }
    if (resource === 'pods') {
      o.status = { phase: 'Pending', conditions: [], qosClass: 'Burstable' };
    }
  }

  // --- the simulated cluster ---
  function reconcile(): void {
    const t = clock.now();
    // StatefulSet controller: one pod per StatefulSet (replica 0), recreated when missing.
    for (const sts of bucket('statefulsets').values()) {
      const ns = sts.metadata.namespace!;
      const podName = `${sts.metadata.name}-0`;
      const pod = bucket('pods').get(key(ns, podName));
      if (!pod && (sts.spec.replicas ?? 1) > 0 && t - createdAt.get(sts.metadata.uid!)! >= podCreateDelayMs) {
        const template = sts.spec.template ?? {};
        const created = put('pods', {
          metadata: {
            name: podName,
            namespace: ns,
            labels: {
              ...(template.metadata?.labels ?? {}),
              'statefulset.kubernetes.io/pod-name': podName,
              'apps.kubernetes.io/pod-index': '0',
            },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'StatefulSet',
                name: sts.metadata.name,
                uid: sts.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              } as any,
            ],
          },
          spec: {
            ...structuredClone(template.spec ?? {}),
            hostname: podName,
            subdomain: sts.spec.serviceName,
          },
        });
        admit('pods', created);
      }
      const current = bucket('pods').get(key(ns, podName));
      const ready = current?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
      sts.status = {
        ...sts.status,
        replicas: current ? 1 : 0,
        readyReplicas: ready ? 1 : 0,
        availableReplicas: ready ? 1 : 0,
        currentReplicas: current ? 1 : 0,
      };
    }
    // Garbage collector: pods whose owning StatefulSet is gone are deleted.
    for (const pod of bucket('pods').values()) {
      const owner = pod.metadata.ownerReferences?.find((r) => r.kind === 'StatefulSet');
      if (!owner || pod.metadata.deletionTimestamp) continue;
      const sts = bucket('statefulsets').get(key(pod.metadata.namespace, owner.name));
      if (!sts || sts.metadata.uid !== owner.uid) markPodDeleted(pod);
    }
    // Kubelet: schedule, start, probe, terminate.
    for (const pod of [...bucket('pods').values()]) {
      const ns = pod.metadata.namespace!;
      const uid = pod.metadata.uid!;
      if (pod.metadata.deletionTimestamp) {
        if (t - deletedAt.get(uid)! >= podTerminationMs) removeNow('pods', ns, pod.metadata.name);
        continue;
      }
      if (pod.status?.phase !== 'Pending' && pod.status?.phase !== 'Running') continue;
      const spec = pod.spec ?? {};
      // Volumes and Secrets matter until the container starts (a running one keeps what it got).
      const pending = pod.status?.phase === 'Pending';
      const missingClaim = ((spec.volumes ?? []) as any[])
        .map((v) => v.persistentVolumeClaim?.claimName as string | undefined)
        .find((c) => pending && c && !bucket('persistentvolumeclaims').has(key(ns, c)));
      if (missingClaim) {
        pod.status = {
          ...pod.status,
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: `persistentvolumeclaim "${missingClaim}" not found`,
            },
          ],
        };
        continue;
      }
      const containers = (spec.containers ?? []) as any[];
      const missingSecret = containers
        .flatMap((c) => (c.env ?? []) as any[])
        .map((e) => e.valueFrom?.secretKeyRef?.name as string | undefined)
        .find((s) => pending && s && !bucket('secrets').has(key(ns, s)));
      const age = t - createdAt.get(uid)!;
      const scheduled = { type: 'PodScheduled', status: 'True' };
      if (missingSecret) {
        pod.status = {
          ...pod.status,
          phase: 'Pending',
          conditions: [scheduled, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: false,
            restartCount: 0,
            state: {
              waiting: {
                reason: 'CreateContainerConfigError',
                message: `secret "${missingSecret}" not found`,
              },
            },
          })),
        };
        continue;
      }
      const started = age >= podReadyDelayMs / 2;
      const probed = containers.every((c) => !c.readinessProbe) || age >= podReadyDelayMs;
      const ready = started && probed;
      const wasRunning = pod.status?.phase === 'Running';
      pod.status = {
        ...pod.status,
        phase: started ? 'Running' : 'Pending',
        podIP: pod.status?.podIP ?? `10.244.0.${nextIp++ % 250}`,
        conditions: [
          scheduled,
          { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: ready ? 'True' : 'False' },
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            ...(ready ? {} : { reason: 'ContainersNotReady' }),
          },
        ],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          ready,
          started,
          restartCount: 0,
          state: started ? { running: { startedAt: now() } } : { waiting: { reason: 'ContainerCreating' } },
        })),
      };
      if (started && !wasRunning) {
        appendLog(
          ns,
          pod.metadata.name,
          'PostgreSQL init process complete; ready for start up.',
          'LOG:  starting PostgreSQL',
          'LOG:  listening on IPv4 address "0.0.0.0", port 5432',
          'LOG:  database system is ready to accept connections',
        );
      }
    }
    // PVC protection: a terminating PVC goes once no pod uses it.
    for (const pvc of [...bucket('persistentvolumeclaims').values()]) {
      if (pvc.metadata.deletionTimestamp && !claimInUse(pvc)) {
        removeNow('persistentvolumeclaims', pvc.metadata.namespace, pvc.metadata.name);
      }
    }
    // Cloud controller: LoadBalancer ingress.
    for (const svc of bucket('services').values()) {
      if (svc.spec?.type !== 'LoadBalancer' || svc.status?.loadBalancer?.ingress?.length) continue;
      if (t - createdAt.get(svc.metadata.uid!)! >= loadBalancerDelayMs) {
        svc.status = {
          loadBalancer: {
            ingress: [{ ip: options.loadBalancerIp ?? `20.50.0.${nextIp++ % 250}`, ipMode: 'VIP' }],
          },
        };
        bump(svc);
      }
    }
  }

  function claimInUse(pvc: KubeObject): boolean {
    return [...bucket('pods').values()].some(
      (pod) =>
        pod.metadata.namespace === pvc.metadata.namespace &&
        ((pod.spec?.volumes ?? []) as any[]).some(
          (v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name,
        ),
    );
  }

  function markPodDeleted(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return;
    pod.metadata.deletionTimestamp = now();
    pod.metadata.deletionGracePeriodSeconds = 30;
    deletedAt.set(pod.metadata.uid!, clock.now());
    bump(pod);
  }

  // --- HTTP ---
  const routes: RegExp[] = [
    /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|persistentvolumeclaims|services|pods)(?:\/([^/]+))?(\/log)?$/,
    /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(statefulsets)(?:\/([^/]+))?()$/,
  ];

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function injected(
    method: string,
    resource: Resource,
    name: string | undefined,
  ): InjectedFailure | undefined {
    const i = failures.findIndex(
      (f) => f.method === method && f.resource === resource && (f.name === undefined || f.name === name),
    );
    if (i < 0) return undefined;
    const f = failures[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) failures.splice(i, 1);
    return f;
  }

  function list(resource: Resource, namespace: string | undefined, query: Record<string, string>) {
    let items = [...bucket(resource).values()].filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    );
    items = items.filter((o) => matchesSelector(o.metadata.labels, query.labelSelector));
    const limit = Number(query.limit);
    if (limit > 0) items = items.slice(0, limit);
    return {
      kind: `${KINDS[resource].kind}List`,
      apiVersion: KINDS[resource].apiVersion,
      metadata: { resourceVersion: String(resourceVersion) },
      items,
    };
  }

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown; text?: boolean }> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'BadRequest', 'the request body is not valid JSON');
      }
    }
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      status: 0,
      ...(raw ? { body } : {}),
    };
    requests.push(record);
    try {
      const result = await route(method, url.pathname, query, body);
      record.status = result.status;
      return result;
    } catch (err) {
      record.status = err instanceof HttpError ? err.status : 500;
      throw err;
    }
  }

  async function route(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): Promise<{ status: number; body: unknown; text?: boolean }> {
    const nodes = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(path);
    if (nodes) {
      if (method !== 'GET')
        throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method');
      if (options.nodesForbidden) {
        throw new HttpError(
          403,
          'Forbidden',
          'nodes is forbidden: User "system:serviceaccount:toygres:durox" cannot list resource "nodes" ' +
            'in API group "" at the cluster scope',
        );
      }
      const f = injected('GET', 'nodes', nodes[1]);
      if (f) throw new HttpError(f.status, 'InternalError', f.message ?? 'injected failure');
      if (!nodes[1]) return { status: 200, body: list('nodes', undefined, query) };
      const node = bucket('nodes').get(key(undefined, nodes[1]));
      if (!node) throw new HttpError(404, 'NotFound', `nodes "${nodes[1]}" not found`);
      return { status: 200, body: node };
    }
    const nsOnly = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    if (nsOnly && method === 'GET') {
      const ns = decodeURIComponent(nsOnly[1]!);
      if (!namespaces.has(ns)) throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`);
      return {
        status: 200,
        body: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: ns }, status: { phase: 'Active' } },
      };
    }
    for (const pattern of routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      const ns = decodeURIComponent(m[1]!);
      const resource = m[2] as Resource;
      const name = m[3] ? decodeURIComponent(m[3]) : undefined;
      const isLog = !!m[4];
      const plural = resource;
      const groupResource = KINDS[resource].group ? `${plural}.${KINDS[resource].group}` : plural;
      const bodyName =
        method === 'POST' ? ((body as KubeObject | undefined)?.metadata?.name ?? undefined) : undefined;
      const f = injected(method, resource, name ?? bodyName);
      if (f) {
        const reason = { 403: 'Forbidden', 409: 'Conflict', 422: 'Invalid', 500: 'InternalError' }[f.status];
        throw new HttpError(f.status, reason ?? 'InternalError', f.message ?? 'injected failure');
      }

      if (isLog) {
        if (method !== 'GET')
          throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method');
        const pod = bucket('pods').get(key(ns, name!));
        if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`);
        const containers = ((pod.spec?.containers ?? []) as any[]).map((c) => c.name as string);
        const container = query.container ?? (containers.length === 1 ? containers[0] : undefined);
        if (!container) {
          throw new HttpError(
            400,
            'BadRequest',
            `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
          );
        }
        if (!containers.includes(container)) {
          throw new HttpError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
        }
        const state = ((pod.status?.containerStatuses ?? []) as any[]).find(
          (c) => c.name === container,
        )?.state;
        if (!state?.running && !state?.terminated) {
          const reason = state?.waiting?.reason ?? 'ContainerCreating';
          throw new HttpError(
            400,
            'BadRequest',
            `container "${container}" in pod "${name}" is waiting to start: ${reason}`,
          );
        }
        let lines = logs.get(key(ns, name!)) ?? [];
        if (query.tailLines !== undefined) {
          const n = Number(query.tailLines);
          lines = n > 0 ? lines.slice(-n) : [];
        }
        return { status: 200, body: lines.map((l) => `${l}\n`).join(''), text: true };
      }

      if (method === 'GET' && name === undefined) {
        return { status: 200, body: list(resource, ns, query) };
      }
      if (method === 'GET') {
        const o = bucket(resource).get(key(ns, name!));
        if (!o) {
          throw new HttpError(404, 'NotFound', `${groupResource} "${name}" not found`, {
            name,
            group: KINDS[resource].group,
            kind: plural,
          });
        }
        return { status: 200, body: o };
      }
      if (method === 'POST' && name === undefined) {
        const o = body as KubeObject | undefined;
        if (!o || typeof o !== 'object' || !o.metadata || typeof o.metadata.name !== 'string') {
          throw new HttpError(
            422,
            'Invalid',
            `${KINDS[resource].kind} "" is invalid: metadata.name: Required value`,
          );
        }
        if (o.kind !== undefined && o.kind !== KINDS[resource].kind) {
          throw new HttpError(
            400,
            'BadRequest',
            `the body kind ${o.kind} does not match ${KINDS[resource].kind}`,
          );
        }
        if (o.metadata.namespace !== undefined && o.metadata.namespace !== ns) {
          throw new HttpError(
            400,
            'BadRequest',
            'the namespace of the provided object does not match the namespace sent on the request',
          );
        }
        if (!namespaces.has(ns)) throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`);
        if (bucket(resource).has(key(ns, o.metadata.name))) {
          throw new HttpError(409, 'AlreadyExists', `${groupResource} "${o.metadata.name}" already exists`, {
            name: o.metadata.name,
            group: KINDS[resource].group,
            kind: plural,
          });
        }
        validate(resource, o);
        const copy = structuredClone(o);
        admit(resource, copy);
        delete copy.metadata.uid;
        delete copy.metadata.creationTimestamp;
        delete copy.metadata.deletionTimestamp;
        copy.metadata.namespace = ns;
        const stored = put(resource, copy);
        return { status: 201, body: stored };
      }
      if (method === 'DELETE' && name !== undefined) {
        const o = bucket(resource).get(key(ns, name));
        if (!o) {
          throw new HttpError(404, 'NotFound', `${groupResource} "${name}" not found`, {
            name,
            group: KINDS[resource].group,
            kind: plural,
          });
        }
        if (o.metadata.deletionTimestamp) return { status: 200, body: o };
        if (resource === 'pods') {
          markPodDeleted(o);
          return { status: 200, body: o };
        }
        if (resource === 'persistentvolumeclaims' && claimInUse(o)) {
          o.metadata.deletionTimestamp = now();
          bump(o);
          return { status: 200, body: o };
        }
        removeNow(resource, ns, name);
        return {
          status: 200,
          body: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name, group: KINDS[resource].group, kind: plural, uid: o.metadata.uid },
          },
        };
      }
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
    throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  }

  function send(res: ServerResponse, status: number, body: unknown, text = false): void {
    const payload = text ? String(body) : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': text ? 'text/plain' : 'application/json',
      'Content-Length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      req.resume();
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', query: {}, status: 401 });
      send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    handle(req).then(
      (r) => send(res, r.status, r.body, r.text),
      (err: unknown) => {
        if (err instanceof HttpError) {
          send(res, err.status, statusBody(err.status, err.reason, err.message, err.details));
        } else {
          send(res, 500, statusBody(500, 'InternalError', String(err)));
        }
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const timer = setInterval(reconcile, 10);
  timer.unref();

  const dir = await mkdtemp(join(tmpdir(), 'fake-kube-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml(url, token), { mode: 0o600 });

  return {
    url,
    kubeconfigPath,
    token,
    requests,
    objects: {
      get: (resource, namespace, name) =>
        bucket(resource).get(key(KINDS[resource].namespaced ? namespace : undefined, name)),
      list: (resource, namespace) =>
        [...bucket(resource).values()].filter(
          (o) => namespace === undefined || o.metadata.namespace === namespace,
        ),
      put: (resource, object) => put(resource, object),
      remove: (resource, namespace, name) =>
        removeNow(resource, KINDS[resource].namespaced ? namespace : undefined, name),
      appendLog,
    },
    failNext: (failure) => {
      failures.push({ ...failure });
    },
    reconcile,
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A kubeconfig for a plain-HTTP API server at `url` (context and cluster `fake`). The client
 * refuses `http:` servers unless `insecure-skip-tls-verify` is set, hence that flag.
 */
export function kubeconfigYaml(url: string, token: string, namespace = 'toygres'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: fake',
    '    cluster:',
    `      server: ${url}`,
    '      insecure-skip-tls-verify: true',
    'users:',
    '  - name: fake',
    '    user:',
    `      token: ${token}`,
    'contexts:',
    '  - name: fake',
    '    context:',
    '      cluster: fake',
    '      user: fake',
    `      namespace: ${namespace}`,
    'current-context: fake',
    '',
  ].join('\n');
}
