/**
 * Metrics (port) and the in-memory registry that renders them in Prometheus' text exposition
 * format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats). The port is the subset of
 * prom-client's API Tally uses (`inc`, `set`, `observe`, `reset`, a registry that renders text),
 * so a prom-client adapter can replace {@link createInMemoryMetricsRegistry} without touching a
 * caller. Hand-written because prom-client is not a dependency yet and what Tally needs — three
 * metric types, fixed buckets, escaping — is this one file; its test checks the output against
 * the format's grammar and the format documentation's own examples.
 */

/** One value per declared label name. */
export type LabelValues<L extends string> = Readonly<Record<L, string>>;

/** What every metric declares; names follow Prometheus' conventions (`tally_…`, a unit suffix). */
export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** Only goes up (process-local; resets when the process restarts, which Prometheus' `rate` handles). */
export interface Counter<L extends string = never> {
  inc(labels?: LabelValues<L>, by?: number): void;
}

/** Any value, typically set from a snapshot when the registry renders. */
export interface Gauge<L extends string = never> {
  set(labels: LabelValues<L> | undefined, value: number): void;
  /** Forgets every label set (a collector that rebuilds its series on each scrape calls it first). */
  reset(): void;
}

/** Counts observations into fixed cumulative buckets, with their sum and count. */
export interface Histogram<L extends string = never> {
  observe(labels: LabelValues<L> | undefined, value: number): void;
}

/** Runs when the registry renders, to read pull-based sources (queue, points budget) into gauges. */
export type CollectHook = () => void | Promise<void>;

/** Metrics registry (port). One per process; nothing global. */
export interface MetricsRegistry {
  counter<L extends string = never>(spec: MetricSpec<L>): Counter<L>;
  gauge<L extends string = never>(spec: MetricSpec<L>): Gauge<L>;
  /** `buckets`: ascending upper bounds; `+Inf` is added. */
  histogram<L extends string = never>(spec: MetricSpec<L> & { buckets: readonly number[] }): Histogram<L>;
  /** Registers a hook run before each render; `name` identifies it when it fails. */
  onCollect(name: string, hook: CollectHook): void;
  /**
   * The exposition text. Every hook runs first; a hook that throws is reported to `onCollectError`
   * and counted in `tally_metrics_collect_failures_total`, and the rest is rendered anyway.
   */
  render(): Promise<string>;
  readonly contentType: string;
}

/** The Content-Type of text format 0.0.4. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = 'counter' | 'gauge' | 'histogram';

interface Family {
  kind: Kind;
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Label values (JSON of the ordered values) → sample state. */
  series: Map<string, { labels: readonly string[]; value: number; buckets?: number[]; sum?: number }>;
  buckets?: readonly number[];
}

/** A sample value as Prometheus reads it (Go's ParseFloat accepts JS's exponent form). */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Label values escape backslash, double quote and line feed (format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only (format 0.0.4). */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelBlock(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  return `{${names.map((name, i) => `${name}="${escapeLabelValue(values[i]!)}"`).join(',')}}`;
}

/**
 * Creates a registry holding its metrics in memory. Specs are checked when a metric is declared
 * (name and label syntax, reserved `__` and `le`, duplicates, ascending finite buckets), so a bad
 * declaration fails at composition, not at the first scrape. Label values are checked on use:
 * every declared name, nothing else. Bounded by the label sets used: callers keep label values to
 * small fixed sets (never a tenant id).
 */
export function createInMemoryMetricsRegistry(options: { onCollectError?: (error: unknown, hookName: string) => void } = {}): MetricsRegistry {
  const families = new Map<string, Family>();
  const hooks: { name: string; hook: CollectHook }[] = [];

  function declare(kind: Kind, spec: MetricSpec<string>, buckets?: readonly number[]): Family {
    if (!METRIC_NAME.test(spec.name)) throw new Error(`Metric name ${JSON.stringify(spec.name)} is not a Prometheus metric name`);
    if (families.has(spec.name)) throw new Error(`Metric ${spec.name} is declared twice`);
    const labelNames = spec.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`Label name ${JSON.stringify(label)} of ${spec.name} is not allowed`);
      if (kind === 'histogram' && label === 'le') throw new Error(`Histogram ${spec.name} may not declare the label "le"`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`Metric ${spec.name} repeats a label name`);
    if (buckets && (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!)))) {
      throw new Error(`Histogram ${spec.name} needs finite, strictly ascending buckets`);
    }
    const family: Family = { kind, name: spec.name, help: spec.help, labelNames, series: new Map(), ...(buckets ? { buckets: [...buckets] } : {}) };
    families.set(spec.name, family);
    // An unlabeled metric exists from the start (0), as prom-client's do: a dashboard shows 0, not a gap.
    if (labelNames.length === 0) seriesOf(family, undefined);
    return family;
  }

  function seriesOf(family: Family, labels: Readonly<Record<string, string>> | undefined) {
    const given = labels ?? {};
    const keys = Object.keys(given);
    if (keys.length !== family.labelNames.length || !family.labelNames.every((name) => typeof given[name] === 'string')) {
      throw new Error(`Metric ${family.name} takes exactly the labels [${family.labelNames.join(', ')}], got [${keys.join(', ')}]`);
    }
    const values = family.labelNames.map((name) => given[name]!);
    const key = JSON.stringify(values);
    let series = family.series.get(key);
    if (!series) {
      series = { labels: values, value: 0, ...(family.buckets ? { buckets: family.buckets.map(() => 0), sum: 0 } : {}) };
      family.series.set(key, series);
    }
    return series;
  }

  const failures = declare('counter', { name: 'tally_metrics_collect_failures_total', help: 'Metric collectors that failed while rendering /metrics, by collector.', labelNames: ['collector'] });

  function renderFamily(family: Family): string[] {
    const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.kind}`];
    for (const series of family.series.values()) {
      if (family.kind !== 'histogram') {
        lines.push(`${family.name}${labelBlock(family.labelNames, series.labels)} ${formatSampleValue(series.value)}`);
        continue;
      }
      const withLe = [...family.labelNames, 'le'];
      // Buckets are stored per interval and rendered cumulatively, as the format requires.
      let cumulative = 0;
      family.buckets!.forEach((bound, i) => {
        cumulative += series.buckets![i]!;
        lines.push(`${family.name}_bucket${labelBlock(withLe, [...series.labels, formatSampleValue(bound)])} ${cumulative}`);
      });
      lines.push(`${family.name}_bucket${labelBlock(withLe, [...series.labels, '+Inf'])} ${series.value}`);
      lines.push(`${family.name}_sum${labelBlock(family.labelNames, series.labels)} ${formatSampleValue(series.sum!)}`);
      lines.push(`${family.name}_count${labelBlock(family.labelNames, series.labels)} ${series.value}`);
    }
    return lines;
  }

  return {
    contentType: PROMETHEUS_TEXT_CONTENT_TYPE,
    counter(spec) {
      const family = declare('counter', spec);
      return {
        inc(labels, by = 1) {
          if (!(by >= 0)) throw new Error(`Counter ${spec.name} can only go up (got ${by})`);
          seriesOf(family, labels).value += by;
        },
      };
    },
    gauge(spec) {
      const family = declare('gauge', spec);
      return {
        set(labels, value) {
          seriesOf(family, labels).value = value;
        },
        reset() {
          family.series.clear();
        },
      };
    },
    histogram(spec) {
      const family = declare('histogram', spec, spec.buckets);
      return {
        observe(labels, value) {
          if (Number.isNaN(value)) return;
          const series = seriesOf(family, labels);
          const index = family.buckets!.findIndex((bound) => value <= bound);
          if (index >= 0) series.buckets![index]!++;
          series.value++;
          series.sum! += value;
        },
      };
    },
    onCollect(name, hook) {
      hooks.push({ name, hook });
    },
    async render() {
      const results = await Promise.allSettled(hooks.map(({ hook }) => Promise.resolve().then(hook)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        const name = hooks[i]!.name;
        seriesOf(failures, { collector: name }).value++;
        options.onCollectError?.(result.reason, name);
      });
      return `${[...families.values()].flatMap(renderFamily).join('\n')}\n`;
    },
  };
}
