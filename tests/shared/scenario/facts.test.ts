import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../shared/errors.ts';
import { factsFileOf, parseFacts, readFactsOf } from '../../../shared/scenario/facts.ts';

const good = {
  about: 'a night',
  times: {
    onset: { at: '2018-01-18T13:45:00Z', timeIs: 'assumed', why: 'not in the account' },
    notices: { at: '2018-01-18T12:19:00Z', timeIs: 'fact', why: 'the account says so' },
  },
  timeline: [
    { time: 'notices', what: 'Team notices' },
    { time: 'onset', what: 'Node breaks' },
  ],
};

describe('scenario facts', () => {
  it('resolves timeline entries to their named times, keeping fact and assumed apart', () => {
    const facts = parseFacts(JSON.stringify(good), 'x.facts.json');
    expect(facts.times.onset).toBe(Date.parse('2018-01-18T13:45:00Z'));
    expect(facts.timeline).toEqual([
      { at: '2018-01-18T12:19:00Z', what: 'Team notices', timeIs: 'fact' },
      { at: '2018-01-18T13:45:00Z', what: 'Node breaks', timeIs: 'assumed' },
    ]);
  });

  it.each([
    ['not JSON', '{', /x\.facts\.json: not JSON/],
    [
      'a bad time',
      JSON.stringify({ ...good, times: { onset: { ...good.times.onset, at: 'yesterday' } } }),
      /x\.facts\.json: times\.onset\.at: /,
    ],
    ['an unknown field', JSON.stringify({ ...good, extra: 1 }), /x\.facts\.json: .*extra/],
    [
      'a timeline entry naming no time',
      JSON.stringify({ ...good, timeline: [{ time: 'later', what: 'x' }] }),
      /timeline\.0\.time: no time named 'later'/,
    ],
  ])('refuses %s, naming the file and the field', (_what, text, message) => {
    expect(() => parseFacts(text, 'x.facts.json')).toThrow(ScenarioError);
    expect(() => parseFacts(text, 'x.facts.json')).toThrow(message);
  });

  it('reads the facts beside the committed 2018 scenario, and none beside one without', async () => {
    expect(factsFileOf('infra/scenarios/mybinder-2018-01-18.om')).toBe('infra/scenarios/mybinder-2018-01-18.facts.json');
    expect((await readFactsOf('infra/scenarios/mybinder-2018-01-18.om'))!.timeline.length).toBeGreaterThan(5);
    expect(await readFactsOf('infra/scenarios/normal-day.om')).toBeUndefined();
  });
});
