import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig, parseConfigYaml } from '../../../shared/config/load.ts';
import { ConfigError } from '../../../shared/errors.ts';

function issues(yaml: string): string[] {
  try {
    parseConfigYaml(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('config', () => {
  it('accepts an empty file: every field has a default', () => {
    const c = parseConfig({});
    expect(c.checks.trafficVsPods.window).toBe('30m');
    expect(c.checks.nodeHeadroom.warnAt).toBe(0.8);
    expect(c.alerting.defaults.failuresToFire).toBe(2);
  });

  it('validates the documented example, which uses every section', () => {
    const c = parseConfigYaml(readFileSync('binderwatch.example.yaml', 'utf8'));
    expect(c.checks.launchProbe.targets[0].repos).toContain('gh/binder-examples/requirements/HEAD');
    expect(c.alerting.state).toMatchObject({ type: 'gcs' });
  });

  it.each([
    ['checks:\n  trafficVsPods:\n    window: 20\n', 'checks.trafficVsPods.window: expected a duration like "20m"'],
    ['checks:\n  trafficVsPods:\n    window: "20 minutes"\n', 'checks.trafficVsPods.window: expected a duration like "20m"'],
    ['checks:\n  nodeHeadroom:\n    schedule: "every 5 minutes"\n', 'checks.nodeHeadroom.schedule: expected a 5-field cron schedule like "*/5 * * * *" (UTC)'],
    ['checks:\n  nodeHeadroom:\n    warnAt: 80\n', 'checks.nodeHeadroom.warnAt: Too big: expected number to be <=1'],
    ['checks:\n  launchProbe:\n    targets:\n      - binderUrl: mybinder.org\n        repos: [gh/a/b/HEAD]\n', 'checks.launchProbe.targets[0].binderUrl: expected an absolute URL like "https://mybinder.org"'],
    ['checks:\n  launchProbe:\n    targets:\n      - binderUrl: https://mybinder.org\n        repos: [binder-examples/requirements]\n', 'checks.launchProbe.targets[0].repos[0]: expected provider/spec like "gh/org/repo/ref"'],
    ['alerting:\n  silences:\n    - { match: "node:*", until: tomorrow, reason: x }\n', 'alerting.silences[0].until: expected an ISO time like "2018-01-18T12:00:00Z"'],
    ['checks:\n  trafficVsPod: {}\n', 'checks: unknown field(s) "trafficVsPod"'],
  ])('names the field and the reason: %j', (yaml, message) => {
    expect(issues(yaml)).toContain(message);
  });

  it('reports every bad field at once, not just the first', () => {
    expect(issues('checks:\n  trafficVsPods:\n    window: 20\n    baseline: x\n')).toHaveLength(2);
  });

  it('names the line of a YAML syntax error', () => {
    expect(issues('checks:\n  trafficVsPods: [\n')[0]).toMatch(/^line \d+: /);
  });

  it('exports a JSON Schema, and the committed binderwatch.schema.json is the current one', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['checks', 'sources', 'alerting']));
    expect(JSON.parse(readFileSync('binderwatch.schema.json', 'utf8'))).toEqual(schema);
  });
});
