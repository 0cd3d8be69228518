import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../shared/errors.ts';
import { formatScenario, parseScenario, SCENARIO_SERIES } from '../../../shared/scenario/openmetrics.ts';

const T = 1516233600;

describe('scenario parser', () => {
  it('reads families, labels with escapes, gaps and the step', () => {
    const text = [
      '# TYPE binderwatch_demand gauge',
      `binderwatch_demand 5 ${T}`,
      `binderwatch_demand 6 ${T + 60}`,
      `binderwatch_demand 7 ${T + 180}`,
      '# TYPE binderwatch_pod_crashlooping gauge',
      `binderwatch_pod_crashlooping{namespace="kube-system",pod="a\\"b",node="n\\\\1",owner="DaemonSet/x"} 1 ${T}`,
      '# EOF',
      '',
    ].join('\n');
    const data = parseScenario(text);
    expect(data.stepMs).toBe(60_000);
    expect(data.start).toBe(T * 1000);
    expect(data.end).toBe((T + 180) * 1000);
    expect(data.series[0].samples.map((s) => s.v)).toEqual([5, 6, 7]); // the gap at T+120 stays a gap
    expect(data.series[1].labels).toEqual({ namespace: 'kube-system', pod: 'a"b', node: 'n\\1', owner: 'DaemonSet/x' });
  });

  it('treats NaN samples as the gap they are', () => {
    const data = parseScenario(`binderwatch_demand NaN ${T}\nbinderwatch_demand 3 ${T + 60}\n# EOF\n`);
    expect(data.series[0].samples).toEqual([{ t: (T + 60) * 1000, v: 3 }]);
  });

  it('round-trips through formatScenario', () => {
    const text = `# TYPE binderwatch_nodepool_nodes gauge\nbinderwatch_nodepool_nodes{pool="a"} 12 ${T}\nbinderwatch_nodepool_nodes{pool="a"} 13 ${T + 60}\n# EOF\n`;
    expect(formatScenario(parseScenario(text))).toBe(text);
  });

  it.each([
    ['content after # EOF', `binderwatch_demand 1 ${T}\n# EOF\nbinderwatch_demand 2 ${T + 60}\n`, 3],
    ['a duplicate label', `binderwatch_demand{a="1",a="2"} 1 ${T}\n# EOF\n`, 1],
    ['a bad value', `binderwatch_demand one ${T}\n# EOF\n`, 1],
    ['an unterminated label', `binderwatch_demand{a="1 1 ${T}\n# EOF\n`, 1],
  ])('rejects %s, naming line %d', (_name, text, line) => {
    let err: unknown;
    try {
      parseScenario(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).line).toBe(line);
  });

  const message = (text: string): string => {
    try {
      parseScenario(text, 'x.om');
    } catch (e) {
      if (e instanceof ScenarioError) return e.message;
      throw e;
    }
    return '(accepted)';
  };

  it('refuses a misspelt series, listing the known ones nearest first, so a typo cannot turn a check off', () => {
    const text = message(`binderwatch_demand 1 ${T}\nbinderwatch_nodepool_nodez{pool="a"} 3 ${T}\n# EOF\n`);
    expect(text).toMatch(
      /^x\.om:2: unknown series "binderwatch_nodepool_nodez"; known series, nearest first: binderwatch_nodepool_nodes, binderwatch_nodepool_max_nodes, /,
    );
    expect(text.split(': ').pop()!.split(', ').sort()).toEqual(Object.keys(SCENARIO_SERIES).sort());
  });

  it('refuses a series without the labels its check reads', () => {
    expect(message(`binderwatch_nodepool_nodes 3 ${T}\n# EOF\n`)).toBe('x.om:1: binderwatch_nodepool_nodes needs the label(s) pool');
    expect(message(`binderwatch_pod_crashlooping{pod="p",node="n"} 1 ${T}\n# EOF\n`)).toBe(
      'x.om:1: binderwatch_pod_crashlooping needs the label(s) namespace, owner',
    );
  });

  it('refuses timestamps in milliseconds with that sentence, at the first one', () => {
    expect(message(`binderwatch_demand 1 ${T * 1000}\nbinderwatch_demand 1 ${T * 1000 + 60_000}\n# EOF\n`)).toBe(
      `x.om:1: timestamp ${T * 1000} looks like milliseconds: scenario timestamps are in seconds`,
    );
  });

  it('refuses samples spanning more than 400 days, at the line that stretches it', () => {
    const century = 100 * 365.25 * 86_400;
    expect(message(`binderwatch_demand 1 ${T}\nbinderwatch_demand 1 ${T + century}\n# EOF\n`)).toBe(
      'x.om:2: the samples span 36525 days, longer than 400 days: check the timestamps',
    );
    expect(message(`binderwatch_demand 1 ${T}\nbinderwatch_demand 1 ${T + 400 * 86_400}\n# EOF\n`)).toBe('(accepted)');
  });

  it('shows control characters from the file as escapes, so the error stays one line', () => {
    expect(message(`binderwatch_demand\x1b[2J\r 1 ${T}\n# EOF\n`)).toBe(
      'x.om:1: expected "<value> <timestamp in seconds>" after the series (every sample needs a timestamp)',
    );
    expect(message(`# \x1b]0;pwned\x07\n# EOF\n`)).toBe('x.om:1: unrecognised comment "# \\u001b]0;pwned\\u0007"');
  });
});
