// Property tests of the truth-file reader: any text is a list of ordered incidents of
// known kinds, or a ScenarioError in one line — never another exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../shared/errors.ts';
import { parseTruth, type Truth } from '../../../shared/replay/score.ts';
import { checkReader } from '../../helpers/property.ts';

const RUNS = 5_000;
/** Thousands of runs on two shared cores: a generous bound, so load never fails a property that holds. */
const SLOW = 300_000;
const KINDS = ['levelling-off', 'headroom', 'sick-node', 'launch-failure'];

function assertOneLine(e: ScenarioError): void {
  assert.match(e.message, /^t\.json: \S/);
  assert.doesNotMatch(e.message, /[\u0000-\u001f\u007f]/);
  // A file wrong everywhere still makes a short line: the first few issues and a count.
  assert.ok(e.message.split('; ').length <= 6, e.message);
}

function assertOrdered(t: Truth): void {
  for (const i of t.incidents) {
    assert.ok(KINDS.includes(i.kind));
    assert.ok(Number.isFinite(Date.parse(i.onset)) && Number.isFinite(Date.parse(i.end)));
    assert.ok(Date.parse(i.end) > Date.parse(i.onset), `${i.onset} → ${i.end}`);
  }
}

const instant = fc.date({ min: new Date('2017-01-01T00:00:00Z'), max: new Date('2019-01-01T00:00:00Z'), noInvalidDate: true });
const iso = fc.oneof(
  { weight: 5, arbitrary: instant.map((d) => d.toISOString()) },
  instant.map((d) => d.toISOString().replace('Z', '+05:30')),
  instant.map((d) => d.toISOString().slice(0, 19)),
  fc.constantFrom('2018-01-18', 'yesterday', '', '2018-02-30T00:00:00Z', '2018-01-18T12:00:00.000000000Z'),
  fc.integer().map((n) => n as unknown as string),
);
const incident = fc.record(
  {
    kind: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KINDS) }, fc.constantFrom('outage', '', 'Headroom')),
    onset: iso,
    end: iso,
    note: fc.string({ maxLength: 5 }),
  },
  { requiredKeys: ['kind', 'onset', 'end'] },
);
const truthLike = fc.oneof(
  { weight: 4, arbitrary: fc.record({ incidents: fc.array(incident, { maxLength: 4 }) }) },
  fc.record({ incidents: fc.array(incident, { minLength: 20, maxLength: 40 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('the truth-file reader, over generated input', () => {
  const property = {
    read: (text: string) => parseTruth(text, 't.json'),
    error: ScenarioError,
    kept: assertOrdered,
    refused: assertOneLine,
  };

  it(
    `reads truth-shaped JSON as ordered incidents of known kinds, or one ScenarioError line (${RUNS} files)`,
    () => {
      const accepted = checkReader(
        truthLike.map((raw) => JSON.stringify(raw)),
        property,
        RUNS,
      );
      expect(accepted).toBeGreaterThan(RUNS / 20);
      expect(accepted).toBeLessThan(RUNS);
    },
    SLOW,
  );

  it(
    `answers arbitrary or damaged text with a ScenarioError, never another exception (${RUNS} strings)`,
    () => {
      const damaged = fc.tuple(truthLike, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 })).map(([raw, at, junk]) => {
        const text = JSON.stringify(raw) ?? '';
        const i = text.length ? at % text.length : 0;
        return text.slice(0, i) + junk + text.slice(i);
      });
      checkReader(fc.oneof(damaged, fc.string({ unit: 'binary', maxLength: 200 })), property, RUNS);
    },
    SLOW,
  );
});
