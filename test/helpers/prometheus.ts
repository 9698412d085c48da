/**
 * Reading a Prometheus text exposition in tests: `parse-prometheus-text-format` for the families
 * (it checks the syntax and gives counters and gauges with their labels) and, because it merges
 * the series of a labelled histogram into one, the histogram `_count` samples read from the text.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily, PrometheusSample } from 'parse-prometheus-text-format';

/** The parsed exposition. */
export interface Exposition {
  families: PrometheusFamily[];
  /** The family called `name` (throws when absent). */
  family(name: string): PrometheusFamily;
  /** The samples of a counter or gauge family (throws when absent or a histogram). */
  samples(name: string): PrometheusSample[];
  /** `<name>_count` of the histogram series with exactly these labels, or undefined. */
  histogramCount(name: string, labels: Record<string, string>): number | undefined;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Parses `text`; throws if it is not a valid exposition. */
export function parseExposition(text: string): Exposition {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string): PrometheusFamily => {
    const found = families.find((f) => f.name === name);
    if (!found) throw new Error(`no metric ${name} in:\n${text}`);
    return found;
  };
  return {
    families,
    family,
    samples(name) {
      const found = family(name);
      if (found.type === 'HISTOGRAM' || found.type === 'SUMMARY')
        throw new Error(`${name} is a ${found.type}`);
      return found.metrics;
    },
    histogramCount(name, labels) {
      if (family(name).type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
      for (const line of text.split('\n')) {
        const match = new RegExp(`^${name}_count(?:\\{(.*)\\})? (\\S+)$`).exec(line);
        if (match && sameLabels(parseLabels(match[1] ?? ''), labels)) return Number(match[2]);
      }
      return undefined;
    },
  };
}
