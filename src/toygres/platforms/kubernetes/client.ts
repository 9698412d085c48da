/**
 * The Kubernetes client (`@kubernetes/client-node`, an optional heavy dependency), loaded on first
 * use of the Kubernetes platform only: importing durox or toygres never loads it.
 */
import type * as KubernetesClient from '@kubernetes/client-node';
import { MissingDependencyError } from '../../../index.js';

export type KubernetesClientModule = typeof KubernetesClient;

const PACKAGE = '@kubernetes/client-node';

let loaded: KubernetesClientModule | null = null;
let loading: Promise<KubernetesClientModule> | null = null;

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Loads the Kubernetes client once (later calls return the same module).
 *
 * @throws MissingDependencyError when `@kubernetes/client-node` is not installed.
 */
export function loadKubernetesClient(): Promise<KubernetesClientModule> {
  if (loaded) return Promise.resolve(loaded);
  // A variable specifier keeps bundlers and type-only consumers from pulling the client in.
  const specifier: string = PACKAGE;
  loading ??= (import(specifier) as Promise<KubernetesClientModule>).then(
    (module) => (loaded = module),
    (err: unknown) => {
      loading = null;
      if (!isModuleNotFound(err)) throw err;
      throw new MissingDependencyError(
        PACKAGE,
        `the Kubernetes platform needs the ${PACKAGE} package: install it (npm install ${PACKAGE})`,
        err,
      );
    },
  );
  return loading;
}

/** The client loaded by {@link loadKubernetesClient}; throws when it has not been loaded yet. */
export function kubernetesClient(): KubernetesClientModule {
  if (!loaded) {
    throw new Error(
      'the Kubernetes client is not loaded yet: create the platform with createKubernetesPlatform() or KubernetesPlatform.create(), or await loadKubernetesClient() first',
    );
  }
  return loaded;
}
