/**
 * The Kubernetes platform of toygres. Importing this module is cheap: the Kubernetes client
 * (`@kubernetes/client-node`) is loaded by `createKubernetesPlatform` (or `loadKubernetesClient`),
 * which throws MissingDependencyError when it is not installed.
 */
import { kubernetesOptionsFromEnv } from './env.js';
import type { KubernetesPlatform, KubernetesPlatformOptions } from './kubernetes-platform.js';

export type { KubernetesPlatform, KubernetesPlatformOptions } from './kubernetes-platform.js';
export { KubernetesApiError } from './errors.js';
export { kubernetesOptionsFromEnv } from './env.js';
export { loadKubernetesClient } from './client.js';
export * from './manifests.js';

/**
 * Loads the Kubernetes client and creates the platform. Settings come from `options`, then from
 * the environment (see env.ts: `DUROX_KUBE_CONTEXT`, `DUROX_KUBE_IN_CLUSTER`, …); the cluster
 * from `options.kubeconfig`, in-cluster config with `inCluster`, or else the default
 * (`KUBECONFIG`, `~/.kube/config`, the pod's service account).
 */
export async function createKubernetesPlatform(
  options: KubernetesPlatformOptions = {},
): Promise<KubernetesPlatform> {
  const { KubernetesPlatform } = await import('./kubernetes-platform.js');
  return KubernetesPlatform.create({ ...kubernetesOptionsFromEnv(), ...options });
}
