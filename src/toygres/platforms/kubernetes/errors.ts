/** A failed Kubernetes API call, with the HTTP status and the API's reason when there was one. */
export class KubernetesApiError extends Error {
  override readonly name = 'KubernetesApiError';
  constructor(
    message: string,
    /** HTTP status code; undefined when the API server could not be reached. */
    readonly status: number | undefined,
    /** The `reason` of the API's Status object, e.g. `Forbidden`, `AlreadyExists`. */
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
