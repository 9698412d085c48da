/**
 * What orchestration code needs of a typed definition (see `src/engine/definitions.ts`): its
 * kind, name, version and input/output types. `ctx.run` and `ctx.runSubOrchestration` take
 * these, so the replay core knows nothing of handlers, schemas or the runtime.
 */

/** Carries a definition's input and output types for TypeScript; never present at run time. */
declare const payloadTypes: unique symbol;

/** The input and output types of a definition (type-level only). */
interface PayloadTypes<I, O> {
  readonly [payloadTypes]?: { readonly input: I; readonly output: O };
}

/** An activity by name, with its input type `I` and result type `O`. */
export interface ActivityRef<I = unknown, O = unknown, N extends string = string> extends PayloadTypes<I, O> {
  readonly kind: 'activity';
  readonly name: N;
}

/** An orchestration by name (and version), with its input type `I` and output type `O`. */
export interface OrchestrationRef<I = unknown, O = unknown, N extends string = string> extends PayloadTypes<
  I,
  O
> {
  readonly kind: 'orchestration';
  readonly name: N;
  /** The version the definition registers (`undefined`: `1.0.0`, and starts run the latest). */
  readonly version?: string;
}

/** The input type of a definition. */
export type InputOf<D> = D extends PayloadTypes<infer I, unknown> ? I : never;

/** The output type of a definition. */
export type OutputOf<D> = D extends PayloadTypes<unknown, infer O> ? O : never;

/**
 * The arguments that carry a definition's input, followed by `Rest`: the input may be left
 * out when `undefined` is a valid input (for example a definition whose input is `void`).
 */
export type InputArgs<I, Rest extends unknown[] = []> = undefined extends I
  ? [input?: I, ...Rest]
  : [input: I, ...Rest];
