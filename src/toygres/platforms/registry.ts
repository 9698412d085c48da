/**
 * Which `Platform` serves an instance: `local` (default) or `kubernetes`. The Kubernetes platform
 * (and its client library) is loaded on first use only.
 */
import type { PlatformKind } from '../metadata/store.js';
import { LocalPlatform } from './local/local-platform.js';
import type { LocalPlatformOptions } from './local/local-platform.js';
import type { Platform } from './platform.js';

export interface PlatformOptions {
  /** The local platform, or options to build it. */
  local?: Platform | LocalPlatformOptions;
  /** The Kubernetes platform (default: loaded from ./kubernetes/index.js). */
  kubernetes?: Platform;
}

export interface Platforms {
  get(kind: PlatformKind): Promise<Platform>;
}

function isPlatform(value: unknown): value is Platform {
  return typeof value === 'object' && value !== null && typeof (value as Platform).deploy === 'function';
}

/** Loads the Kubernetes platform (and its client) on first use; settings from the environment. */
export async function loadKubernetesPlatform(): Promise<Platform> {
  const { createKubernetesPlatform } = await import('./kubernetes/index.js');
  return createKubernetesPlatform();
}

export function createPlatforms(options: PlatformOptions = {}): Platforms {
  const local = isPlatform(options.local) ? options.local : new LocalPlatform(options.local ?? {});
  let kubernetes: Promise<Platform> | null = options.kubernetes ? Promise.resolve(options.kubernetes) : null;
  return {
    get(kind: PlatformKind): Promise<Platform> {
      if (kind === 'local') return Promise.resolve(local);
      kubernetes ??= loadKubernetesPlatform().catch((err: unknown) => {
        kubernetes = null;
        throw err;
      });
      return kubernetes;
    },
  };
}
