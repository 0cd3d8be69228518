import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../shared/errors.ts';
import { formatScenario, parseScenario } from '../../../shared/scenario/openmetrics.ts';

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
});
