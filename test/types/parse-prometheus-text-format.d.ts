/**
 * Types of `parse-prometheus-text-format` (dev dependency, ships none): the prom2json-like
 * document it returns for a Prometheus text exposition. Values stay strings, as it returns them.
 */
declare module 'parse-prometheus-text-format' {
  /** One sample of a counter, gauge or untyped metric. */
  export interface PrometheusSample {
    value: string;
    labels?: Record<string, string>;
  }

  /** One histogram series: cumulative bucket counts keyed by upper bound (`+Inf` included). */
  export interface PrometheusHistogramSample {
    labels?: Record<string, string>;
    buckets: Record<string, string>;
    count: string;
    sum: string;
  }

  /** One summary series. */
  export interface PrometheusSummarySample {
    labels?: Record<string, string>;
    quantiles?: Record<string, string>;
    count: string;
    sum: string;
  }

  /** A metric family. */
  export type PrometheusFamily =
    | { name: string; help: string; type: 'COUNTER' | 'GAUGE' | 'UNTYPED'; metrics: PrometheusSample[] }
    | { name: string; help: string; type: 'HISTOGRAM'; metrics: PrometheusHistogramSample[] }
    | { name: string; help: string; type: 'SUMMARY'; metrics: PrometheusSummarySample[] };

  /** Parses a text exposition; throws on malformed input. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
