import { describe, expect, it } from 'vitest';
import { createInMemoryMetricsRegistry, PROMETHEUS_TEXT_CONTENT_TYPE } from './metrics.js';
import { parseExposition, type ParsedFamily } from '../../test/support/prometheus-text.js';

function family(families: Map<string, ParsedFamily>, name: string): ParsedFamily {
  const found = families.get(name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}

describe('in-memory metrics registry', () => {
  it('renders counters exactly as the format documentation shows them', async () => {
    const registry = createInMemoryMetricsRegistry();
    const requests = registry.counter({ name: 'http_requests_total', help: 'The total number of HTTP requests.', labelNames: ['method', 'code'] });
    requests.inc({ method: 'post', code: '200' }, 1027);
    requests.inc({ method: 'post', code: '400' }, 3);
    const text = await registry.render();
    // prometheus.io/docs/instrumenting/exposition_formats, "Text format example" (timestamps dropped: Tally sends none).
    expect(text).toContain(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027',
        'http_requests_total{method="post",code="400"} 3',
      ].join('\n'),
    );
  });

  it('escapes label values as the documentation example does', async () => {
    const registry = createInMemoryMetricsRegistry();
    registry.gauge({ name: 'msdos_file_access_time_seconds', help: 'x', labelNames: ['path', 'error'] }).set({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, 1.458255915e9);
    const text = await registry.render();
    // The documentation's line, with the value in the form JavaScript prints (the same float).
    expect(text).toContain('msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1458255915\n');
  });

  it('round-trips awkward label values and help text through a parser of the format', async () => {
    const registry = createInMemoryMetricsRegistry();
    const awkward = ['back\\slash', 'quote"inside', 'line\nfeed', 'brace} and, comma="x"', 'ünïcødé ✓', '', '\\n literal'];
    const gauge = registry.gauge({ name: 'tally_test_values', help: 'Help with a \\ backslash\nand a second line.', labelNames: ['value'] });
    awkward.forEach((value, i) => gauge.set({ value }, i));
    const parsed = parseExposition(await registry.render());
    const values = family(parsed, 'tally_test_values');
    expect(values.help).toBe('Help with a \\ backslash\nand a second line.');
    expect(values.type).toBe('gauge');
    expect(values.samples.map((sample) => [sample.labels['value'], sample.value])).toEqual(awkward.map((value, i) => [value, i]));
  });

  it('renders histograms with cumulative buckets, +Inf equal to the count, and the sum', async () => {
    const registry = createInMemoryMetricsRegistry();
    const buckets = [0.05, 0.1, 0.2, 0.5, 1];
    const histogram = registry.histogram({ name: 'http_request_duration_seconds', help: 'A histogram of the request duration.', labelNames: ['route'], buckets });
    const observed = [0.01, 0.05, 0.07, 0.1, 0.15, 0.3, 0.5, 0.9, 1, 2.5, 40];
    for (const value of observed) histogram.observe({ route: 'summary' }, value);
    histogram.observe({ route: 'details' }, 0.2);
    const parsed = family(parseExposition(await registry.render()), 'http_request_duration_seconds');
    expect(parsed.type).toBe('histogram');
    const summary = parsed.samples.filter((sample) => sample.labels['route'] === 'summary');
    const bucketCounts = summary.filter((sample) => sample.name.endsWith('_bucket')).map((sample) => [sample.labels['le'], sample.value]);
    // The truth: how many observations are at or below each bound, counted here directly.
    expect(bucketCounts).toEqual([...buckets.map((bound) => [String(bound), observed.filter((value) => value <= bound).length]), ['+Inf', observed.length]]);
    expect(summary.find((sample) => sample.name.endsWith('_count'))?.value).toBe(observed.length);
    expect(summary.find((sample) => sample.name.endsWith('_sum'))?.value).toBeCloseTo(observed.reduce((a, b) => a + b, 0), 9);
    expect(parsed.samples.filter((sample) => sample.labels['route'] === 'details' && sample.name.endsWith('_bucket')).map((s) => s.value)).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it('writes infinities and NaN the way Prometheus reads them', async () => {
    const registry = createInMemoryMetricsRegistry();
    const gauge = registry.gauge({ name: 'tally_test_special', help: 'x', labelNames: ['kind'] });
    gauge.set({ kind: 'up' }, Infinity);
    gauge.set({ kind: 'down' }, -Infinity);
    gauge.set({ kind: 'nan' }, NaN);
    gauge.set({ kind: 'tiny' }, 1e-7);
    const text = await registry.render();
    expect(text).toContain('tally_test_special{kind="up"} +Inf\n');
    expect(text).toContain('tally_test_special{kind="down"} -Inf\n');
    expect(text).toContain('tally_test_special{kind="nan"} NaN\n');
    expect(family(parseExposition(text), 'tally_test_special').samples.find((s) => s.labels['kind'] === 'tiny')?.value).toBe(1e-7);
  });

  it('refuses bad declarations when they are made', () => {
    const registry = createInMemoryMetricsRegistry();
    expect(() => registry.counter({ name: 'tally-dash_total', help: 'x' })).toThrow(/not a Prometheus metric name/);
    expect(() => registry.gauge({ name: 'tally_x', help: 'x', labelNames: ['__reserved'] })).toThrow(/not allowed/);
    expect(() => registry.histogram({ name: 'tally_h', help: 'x', labelNames: ['le'], buckets: [1] })).toThrow(/"le"/);
    expect(() => registry.histogram({ name: 'tally_h2', help: 'x', buckets: [1, 1] })).toThrow(/ascending/);
    expect(() => registry.histogram({ name: 'tally_h3', help: 'x', buckets: [1, Infinity] })).toThrow(/ascending/);
    registry.gauge({ name: 'tally_once', help: 'x' });
    expect(() => registry.counter({ name: 'tally_once', help: 'x' })).toThrow(/twice/);
  });

  it('refuses label sets that do not match the declaration, and counters that go down', () => {
    const registry = createInMemoryMetricsRegistry();
    const counter = registry.counter({ name: 'tally_c_total', help: 'x', labelNames: ['kind'] });
    expect(() => counter.inc()).toThrow(/exactly the labels/);
    expect(() => counter.inc({ kind: 'a', extra: 'b' } as never)).toThrow(/exactly the labels/);
    expect(() => counter.inc({ kind: 'a' }, -1)).toThrow(/only go up/);
  });

  it('runs collectors before rendering and still renders when one fails', async () => {
    const failed: string[] = [];
    const registry = createInMemoryMetricsRegistry({ onCollectError: (_error, name) => failed.push(name) });
    const depth = registry.gauge({ name: 'tally_test_depth', help: 'x', labelNames: ['kind'] });
    let scrapes = 0;
    registry.onCollect('depth', () => {
      scrapes++;
      depth.reset();
      if (scrapes === 1) depth.set({ kind: 'sync' }, 3);
      else depth.set({ kind: 'purge' }, 1);
    });
    registry.onCollect('broken', async () => {
      throw new Error('control database unreachable');
    });
    const first = parseExposition(await registry.render());
    expect(family(first, 'tally_test_depth').samples.map((s) => [s.labels['kind'], s.value])).toEqual([['sync', 3]]);
    const second = parseExposition(await registry.render());
    // reset() drops the label set that is gone, so no stale series survives a scrape.
    expect(family(second, 'tally_test_depth').samples.map((s) => [s.labels['kind'], s.value])).toEqual([['purge', 1]]);
    expect(family(second, 'tally_metrics_collect_failures_total').samples.map((s) => [s.labels['collector'], s.value])).toEqual([['broken', 2]]);
    expect(failed).toEqual(['broken', 'broken']);
  });

  it('is checked by a reader that refuses what the format forbids', () => {
    // Without this, a reader that accepted anything would make the tests above unable to fail.
    expect(() => parseExposition('x 1')).toThrow(/line feed/);
    expect(() => parseExposition('x{a="b} 1\n')).toThrow(/unterminated|raw line feed/);
    expect(() => parseExposition('x{a="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('x 1\n# TYPE x gauge\n')).toThrow(/after its samples/);
    expect(() => parseExposition('x 1\ny 1\nx 2\n')).toThrow(/not together/);
    const histogram = (bucket2: number, inf: number) => `# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} ${bucket2}\nh_bucket{le="+Inf"} ${inf}\nh_sum 3\nh_count 3\n`;
    expect(() => parseExposition(histogram(3, 3))).not.toThrow();
    expect(() => parseExposition(histogram(1, 3))).toThrow(/cumulative/);
    expect(() => parseExposition(histogram(3, 4))).toThrow(/_count/);
  });

  it('shows an unlabeled metric as zero before its first use', async () => {
    const registry = createInMemoryMetricsRegistry();
    registry.counter({ name: 'tally_test_runs_total', help: 'x' });
    registry.histogram({ name: 'tally_test_seconds', help: 'x', buckets: [1] });
    registry.counter({ name: 'tally_test_labelled_total', help: 'x', labelNames: ['kind'] });
    const parsed = parseExposition(await registry.render());
    expect(family(parsed, 'tally_test_runs_total').samples.map((s) => s.value)).toEqual([0]);
    expect(family(parsed, 'tally_test_seconds').samples.map((s) => [s.name, s.value])).toEqual([['tally_test_seconds_bucket', 0], ['tally_test_seconds_bucket', 0], ['tally_test_seconds_sum', 0], ['tally_test_seconds_count', 0]]);
    // A labelled one has no series until a label set is used: its values are not known in advance.
    expect(family(parsed, 'tally_test_labelled_total').samples).toEqual([]);
  });

  it('announces text format 0.0.4', () => {
    expect(createInMemoryMetricsRegistry().contentType).toBe(PROMETHEUS_TEXT_CONTENT_TYPE);
    expect(PROMETHEUS_TEXT_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
