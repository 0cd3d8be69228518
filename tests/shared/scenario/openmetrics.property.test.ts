// Property tests of the scenario reader: any text is a scenario that keeps docs/scenario-format.md's
// promises, or a ScenarioError in one line naming the line — never another exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../shared/errors.ts';
import {
  formatScenario,
  parseScenario,
  SCENARIO_SERIES,
  type ScenarioData,
  type ScenarioSeries,
} from '../../../shared/scenario/openmetrics.ts';
import { checkReader } from '../../helpers/property.ts';

const RUNS = 5_000;
/** Thousands of runs on two shared cores: a generous bound, so load never fails a property that holds. */
const SLOW = 300_000;
const DAY_S = 86_400;
const T = 1516233600; // 2018-01-18T00:00:00Z
const NAMES = Object.keys(SCENARIO_SERIES);

function assertOneLine(e: ScenarioError, lineCount: number): void {
  assert.doesNotMatch(e.message, /[\u0000-\u001f\u007f]/);
  assert.match(e.message, /^x\.om(:\d+)?: \S/);
  if (e.line !== undefined) assert.ok(e.line >= 1 && e.line <= lineCount, `line ${e.line} of ${lineCount}`);
}

/** What an accepted scenario promises the replay. */
function assertKept(d: ScenarioData): void {
  assert.ok(d.series.length > 0 && d.start <= d.end && d.stepMs > 0);
  assert.ok(d.end - d.start <= 400 * DAY_S * 1000, 'span ≤ 400 days');
  for (const s of d.series) {
    const needed = SCENARIO_SERIES[s.metric];
    assert.ok(needed, `known series ${s.metric}`);
    for (const l of needed) assert.ok(l in s.labels, `${s.metric} has ${l}`);
    for (let i = 0; i < s.samples.length; i++) {
      assert.ok(!Number.isNaN(s.samples[i].v));
      assert.ok(Math.abs(s.samples[i].t) < 1e14, 'seconds, not milliseconds');
      if (i) assert.ok(s.samples[i].t > s.samples[i - 1].t, 'strictly increasing');
    }
  }
}

// Pieces near every edge of the format, and plain wrong ones.
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  fc.constantFrom('binderwatch_nodepool_nodez', 'binderwatch_demand_total', 'up', '1bad', '', 'binderwatch_demand{'),
  fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,12}$/),
);
const labelValue = fc.oneof(
  fc.constantFrom('a', 'user-pool', 'DaemonSet/fluentd', 'gh/a/b/HEAD', '', 'a\\"b', 'n\\\\1', 'x\\ny', 'bad"quote', 'trailing\\'),
  fc.string({ maxLength: 6 }),
);
const labels = fc.oneof(
  fc.constant(''),
  fc
    .uniqueArray(fc.tuple(fc.constantFrom('pool', 'repo', 'namespace', 'pod', 'node', 'owner', 'x', '0bad'), labelValue), {
      maxLength: 5,
      selector: ([k]) => k,
    })
    .map((ls) => `{${ls.map(([k, v]) => `${k}="${v}"`).join(',')}}`),
  fc.constantFrom('{', '{pool=a}', '{pool="a",pool="b"}', '{pool="a"', '{pool="a",}', '{}'),
);
const value = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('NaN', '+Inf', '-Inf', 'Inf', '1e3', '.5', '5.', 'one', '', '0x10', '1_000'),
);
const timestamp = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 * DAY_S }).map((d) => String(T + d)) },
  fc.integer({ min: 0, max: 500 * DAY_S }).map((d) => String(T + d)),
  fc.integer({ min: 0, max: 3 * DAY_S }).map((d) => String((T + d) * 1000)),
  fc.double({ min: -1e13, max: 1e13, noNaN: true }).map(String),
  fc.constantFrom('', 'NaN', '+Inf', '1516233600.5', '1e9', '-1', 'soon'),
);
const sampleLine = fc
  .tuple(name, labels, value, timestamp, fc.constantFrom(' ', '  ', '\t', ' '))
  .map(([n, l, v, t, sep]) => `${n}${l}${sep}${v} ${t}`.trimEnd());
const comment = fc.oneof(
  fc.tuple(fc.constantFrom('TYPE', 'HELP', 'UNIT'), name, fc.constantFrom(' gauge', ' text', '')).map(([k, n, r]) => `# ${k} ${n}${r}`),
  fc.constantFrom('#', '# EOF', '# random words', '', ' ', '\r', '\u001b[2J'),
);
/** Valid scenario data: known series with their labels, increasing seconds within 400 days. */
const series: fc.Arbitrary<ScenarioSeries> = fc
  .tuple(
    fc.constantFrom(...NAMES),
    fc.string({ maxLength: 8 }),
    fc.uniqueArray(fc.integer({ min: 0, max: 400 * DAY_S * 1000 }), { minLength: 1, maxLength: 20 }),
    fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer()), { minLength: 20, maxLength: 20 }),
    fc.boolean(),
  )
  .map(([metric, labelValue, offsets, values, wholeSeconds]) => ({
    metric,
    labels: Object.fromEntries(SCENARIO_SERIES[metric].map((l) => [l, `${labelValue}-${l}`])),
    samples: [...offsets]
      .map((o) => (wholeSeconds ? Math.round(o / 1000) * 1000 : o))
      .sort((a, b) => a - b)
      .filter((t, i, ts) => i === 0 || t > ts[i - 1])
      .map((o, i) => ({ t: T * 1000 + o, v: Object.is(values[i], -0) ? 0 : values[i] })),
  }));
const scenarioData = fc
  .uniqueArray(series, { minLength: 1, maxLength: 6, selector: (s) => `${s.metric}${JSON.stringify(s.labels)}` })
  .map((list) =>
    // Families contiguous, as the format requires.
    [...list].sort((a, b) => a.metric.localeCompare(b.metric)),
  );

const lineSoup = fc
  .tuple(
    fc.array(fc.oneof({ weight: 5, arbitrary: sampleLine }, comment), { maxLength: 12 }),
    fc.constantFrom('# EOF\n', '# EOF', '', '# EOF\nmore\n', '# EOF\n\n'),
  )
  .map(([lines, end]) => [...lines, end].join('\n'));
/** A valid file with one line replaced or added, or none: close to valid, so both sides of the property are reached. */
const damagedScenario = fc
  .tuple(scenarioData, fc.nat(), fc.constantFrom('replace', 'insert', 'keep'), fc.oneof(sampleLine, comment))
  .map(([list, at, how, line]) => {
    const lines = formatScenario({ series: list }).split('\n');
    const i = at % lines.length;
    if (how === 'replace') lines[i] = line;
    if (how === 'insert') lines.splice(i, 0, line);
    return lines.join('\n');
  });
const file = fc.oneof(lineSoup, damagedScenario);

describe('the scenario reader, over generated input', () => {
  const property = {
    read: (text: string) => parseScenario(text, 'x.om'),
    error: ScenarioError,
    kept: assertKept,
    refused: (e: ScenarioError, text: string) => assertOneLine(e, text.split('\n').length),
  };

  it(
    `reads any line-shaped file as a scenario that keeps its promises, or one ScenarioError line (${RUNS} files)`,
    () => {
      const accepted = checkReader(file, property, RUNS);
      expect(accepted).toBeGreaterThan(RUNS / 20);
      expect(accepted).toBeLessThan(RUNS);
    },
    SLOW,
  );

  it(
    `answers arbitrary text with a ScenarioError, never another exception (${RUNS} strings)`,
    () => {
      checkReader(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 })),
        property,
        RUNS,
      );
    },
    SLOW,
  );

  it(
    `reads back exactly what formatScenario writes (${RUNS} scenarios)`,
    () => {
      const accepted = checkReader(
        scenarioData,
        {
          read: (list) => parseScenario(formatScenario({ series: list }), 'x.om'),
          error: ScenarioError,
          kept: (r, list) => assert.deepEqual(r.series, list),
          refused: (e) => assert.fail(e.message),
        },
        RUNS,
      );
      expect(accepted).toBe(RUNS);
    },
    SLOW,
  );
});
