/**
 * Kubernetes platform settings from the environment, for processes that create the platform
 * without options (a `durox worker run` loading toygres):
 *
 * | variable | option |
 * | --- | --- |
 * | `KUBECONFIG` | read by the client itself (default `~/.kube/config`) |
 * | `DUROX_KUBE_CONTEXT` | `context` |
 * | `DUROX_KUBE_IN_CLUSTER` (`1`/`true`) | `inCluster` |
 * | `DUROX_KUBE_NAMESPACE` | `namespace` (for specs without one) |
 * | `DUROX_KUBE_IMAGE` | `image` (`{version}` is replaced) |
 * | `DUROX_KUBE_STORAGE_CLASS` | `storageClassName` |
 * | `DUROX_KUBE_CPU_REQUEST`, `DUROX_KUBE_MEMORY_REQUEST` | `resources.requests` |
 * | `DUROX_KUBE_CPU_LIMIT`, `DUROX_KUBE_MEMORY_LIMIT` | `resources.limits` |
 */
import { DEFAULT_RESOURCES } from './manifests.js';
import type { ResourceList } from './manifests.js';
import type { KubernetesPlatformOptions } from './kubernetes-platform.js';

export function kubernetesOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): KubernetesPlatformOptions {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const options: KubernetesPlatformOptions = {};
  const context = get('DUROX_KUBE_CONTEXT');
  if (context) options.context = context;
  const inCluster = get('DUROX_KUBE_IN_CLUSTER');
  if (inCluster && /^(1|true|yes)$/i.test(inCluster)) options.inCluster = true;
  const namespace = get('DUROX_KUBE_NAMESPACE');
  if (namespace) options.namespace = namespace;
  const image = get('DUROX_KUBE_IMAGE');
  if (image) options.image = image;
  const storageClass = get('DUROX_KUBE_STORAGE_CLASS');
  if (storageClass) options.storageClassName = storageClass;

  const list = (cpu: string | undefined, memory: string | undefined): ResourceList | undefined =>
    cpu || memory ? { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } : undefined;
  const requests = list(get('DUROX_KUBE_CPU_REQUEST'), get('DUROX_KUBE_MEMORY_REQUEST'));
  const limits = list(get('DUROX_KUBE_CPU_LIMIT'), get('DUROX_KUBE_MEMORY_LIMIT'));
  if (requests || limits) {
    options.resources = {
      requests: { ...DEFAULT_RESOURCES.requests, ...requests },
      ...(limits ? { limits } : {}),
    };
  }
  return options;
}
