import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig, parseConfigYaml } from '../../../shared/config/load.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { configIssues } from '../../helpers/config.ts';
import { ruleFor } from '../../../shared/pipeline/run-check.ts';

const issues = configIssues;

describe('config', () => {
  it('accepts an empty file: every field has a default', () => {
    const c = parseConfig({});
    expect(c.checks.trafficVsPods.window).toBe(30 * 60_000);
    expect(c.checks.nodeHeadroom.warnAt).toBe(0.8);
    expect(c.alerting.defaults.failuresToFire).toBe(2);
  });

  it('parses durations into milliseconds, silence ends into epoch ms and schedules into a Cron, once, keeping the YAML text', () => {
    const c = parseConfigYaml(
      'checks:\n  launchProbe:\n    timeout: 2m30s\n    schedule: "0 9 * * MON-FRI"\n  trafficVsPods:\n    sessionLength: { min: 90s, max: 2h }\n' +
        'alerting:\n  defaults: { pendingFor: 0s }\n  silences:\n    - { match: "node:*", until: "2018-01-18T20:00:00+01:00", reason: pool replaced }\n',
    );
    expect(c.alerting.silences[0].until).toBe(Date.UTC(2018, 0, 18, 19));
    expect(c.checks.launchProbe.timeout).toBe(150_000);
    expect(c.checks.trafficVsPods.sessionLength).toEqual({ min: 90_000, max: 2 * 3_600_000 });
    expect(c.alerting.defaults.pendingFor).toBe(0);
    expect(c.checks.launchProbe.schedule.expr).toBe('0 9 * * MON-FRI');
    // Thursday 2018-01-18 09:00 UTC, then the next weekday morning.
    expect(c.checks.launchProbe.schedule.matches(Date.UTC(2018, 0, 18, 9))).toBe(true);
    expect(c.checks.launchProbe.schedule.next(Date.UTC(2018, 0, 18, 9))).toBe(Date.UTC(2018, 0, 19, 9));
  });

  it('validates the documented example, which uses every section', () => {
    const c = parseConfigYaml(readFileSync('binderwatch.example.yaml', 'utf8'));
    expect(c.checks.launchProbe.targets[0].repos).toContain('gh/binder-examples/requirements/HEAD');
    expect(c.alerting.state).toMatchObject({ type: 'gcs' });
  });

  it.each([
    ['checks:\n  trafficVsPods:\n    window: 20\n', 'checks.trafficVsPods.window: expected a duration like "20m"'],
    ['checks:\n  trafficVsPods:\n    window: "20 minutes"\n', 'checks.trafficVsPods.window: expected a duration like "20m"'],
    [
      'checks:\n  nodeHeadroom:\n    schedule: "every 5 minutes"\n',
      'checks.nodeHeadroom.schedule: expected a 5-field cron schedule like "*/5 * * * *" (UTC)',
    ],
    ['checks:\n  nodeHeadroom:\n    warnAt: 80\n', 'checks.nodeHeadroom.warnAt: Too big: expected number to be <=1'],
    [
      'checks:\n  launchProbe:\n    targets:\n      - binderUrl: mybinder.org\n        repos: [gh/a/b/HEAD]\n',
      'checks.launchProbe.targets[0].binderUrl: expected an absolute URL like "https://mybinder.org" (http or https)',
    ],
    [
      'checks:\n  binderHealth:\n    binderUrls: ["javascript:alert(1)"]\n',
      'checks.binderHealth.binderUrls[0]: expected an absolute URL like "https://mybinder.org" (http or https)',
    ],
    [
      'checks:\n  launchProbe:\n    targets:\n      - binderUrl: https://mybinder.org\n        repos: [binder-examples/requirements]\n',
      'checks.launchProbe.targets[0].repos[0]: expected provider/spec like "gh/org/repo/ref"',
    ],
    [
      'alerting:\n  silences:\n    - { match: "node:*", until: tomorrow, reason: x }\n',
      'alerting.silences[0].until: expected an ISO time like "2018-01-18T12:00:00Z"',
    ],
    ['checks:\n  trafficVsPod: {}\n', 'checks: unknown field(s) "trafficVsPod"'],
    [
      'checks:\n  clusterHealth:\n    userNamespaces: [prod]\n',
      'checks.clusterHealth.userNamespaces: was removed: it never had an effect (a bare pod is a user server in any namespace); delete it',
    ],
  ])('names the field and the reason: %j', (yaml, message) => {
    expect(issues(yaml)).toContain(message);
  });

  const target = (repo: string) =>
    `checks:\n  launchProbe:\n    targets:\n      - binderUrl: https://mybinder.org\n        repos: ["${repo}"]\n`;
  it.each([
    ['checks:\n  nodeHeadroom:\n    warnAt: 0.9\n    criticalAt: 0.5\n', 'checks.nodeHeadroom.criticalAt: must be at least warnAt (0.9)'],
    [
      'checks:\n  trafficVsPods:\n    sessionLength: { min: 3h, max: 5m }\n',
      'checks.trafficVsPods.sessionLength.min: must be shorter than max',
    ],
    [
      'checks:\n  trafficVsPods:\n    sessionLength: { min: 1h, max: 1h }\n',
      'checks.trafficVsPods.sessionLength.min: must be shorter than max',
    ],
    [
      'alerting:\n  defaults: { failuresToFire: 4, ofLastRuns: 3 }\n',
      'alerting.defaults.failuresToFire: must be at most ofLastRuns (3): 4 problems never fit in 3 runs',
    ],
    [
      'alerting:\n  defaults: { ofLastRuns: 3 }\nchecks:\n  nodeHeadroom:\n    alert: { failuresToFire: 5 }\n',
      'checks.nodeHeadroom.alert.failuresToFire: must be at most ofLastRuns (3): 5 problems never fit in 3 runs (the rest from alerting.defaults)',
    ],
    ['checks:\n  trafficVsPods:\n    window: 0s\n', 'checks.trafficVsPods.window: must be longer than 0s'],
    ['checks:\n  launchProbe:\n    timeout: 0m\n', 'checks.launchProbe.timeout: must be longer than 0s'],
    [
      'checks:\n  binderHealth:\n    timeout: 2h\n',
      'checks.binderHealth.timeout: must be at most 1h (a Cloud Function runs at most 60 minutes)',
    ],
    ['checks:\n  trafficVsPods:\n    baseline: 400d\n', 'checks.trafficVsPods.baseline: must be at most 366d'],
    ['alerting:\n  defaults: { repeatInterval: 0s }\n', 'alerting.defaults.repeatInterval: must be at least 1m'],
    ['checks:\n  clusterHealth:\n    alert: { repeatInterval: 30s }\n', 'checks.clusterHealth.alert.repeatInterval: must be at least 1m'],
    [
      'displayTimeZone: Mars/Olympus\n',
      'displayTimeZone: unknown time zone "Mars/Olympus": expected an IANA name like "America/Los_Angeles" or "UTC"',
    ],
    [
      'checks:\n  launchProbe:\n    schedule: "* * 31 2 *"\n',
      'checks.launchProbe.schedule: "* * 31 2 *" never fires: no month in "2" has a day "31" every year',
    ],
    [
      'checks:\n  launchProbe:\n    schedule: "0 0 29 FEB *"\n',
      'checks.launchProbe.schedule: "0 0 29 FEB *" never fires: no month in "FEB" has a day "29" every year',
    ],
    [
      'checks:\n  launchProbe:\n    schedule: "0 9 * * MON-FUN"\n',
      'checks.launchProbe.schedule: day of week "MON-FUN": unknown name "FUN" (expected SUN-SAT or a number)',
    ],
    [
      target('gh/org/../../evil/HEAD'),
      'checks.launchProbe.targets[0].repos[0]: has a ".." segment: every part between "/" must name something, or the request leaves /build/',
    ],
    [
      target('gh/org/%2E%2e/HEAD'),
      'checks.launchProbe.targets[0].repos[0]: has a ".." segment: every part between "/" must name something, or the request leaves /build/',
    ],
    [
      target('gh/org//HEAD'),
      'checks.launchProbe.targets[0].repos[0]: has an empty segment: every part between "/" must name something, or the request leaves /build/',
    ],
    [
      target('git/https://github.com/org/repo/HEAD'),
      'checks.launchProbe.targets[0].repos[0]: has an empty segment: every part between "/" must name something, or the request leaves /build/ (escape a git repository URL: git/https%3A%2F%2Fgithub.com%2Forg%2Frepo/<ref>)',
    ],
    [
      target('gh/org/./HEAD'),
      'checks.launchProbe.targets[0].repos[0]: has a "." segment: every part between "/" must name something, or the request leaves /build/',
    ],
  ])('refuses a setting that would not mean what it says: %j', (yaml, message) => {
    expect(issues(yaml)).toEqual([message]);
  });

  it.each([
    ['checks:\n  nodeHeadroom:\n    warnAt: 0.9\n    criticalAt: 0.9\n'],
    ['checks:\n  clusterHealth:\n    infraCrashLoopFor: 0s\n    pendingFor: 0s\n'],
    ['alerting:\n  defaults: { failuresToFire: 3, ofLastRuns: 3, repeatInterval: 1m }\n'],
    ['checks:\n  launchProbe:\n    schedule: "0,30 6-22 * * mon-fri"\n'],
    ['checks:\n  launchProbe:\n    schedule: "0 0 31 JAN,FEB *"\n'],
    ['displayTimeZone: UTC\n'],
    [target('git/https%3A%2F%2Fgitlab.com%2Forg%2Frepo/v1.2..3')],
  ])('accepts a setting at the edge of what means something: %j', (yaml) => {
    expect(issues(yaml)).toEqual([]);
  });

  it("reports a relation beside other sections' mistakes, all at once", () => {
    const yaml =
      'displayTimeZone: Nowhere\nalerting:\n  defaults: { ofLastRuns: 2 }\nchecks:\n  launchProbe:\n    alert: { failuresToFire: 3 }\n  nodeHeadroom:\n    criticalAt: 0.1\n';
    expect(issues(yaml).map((i) => i.split(':')[0])).toEqual([
      'displayTimeZone',
      'checks.nodeHeadroom.criticalAt',
      'checks.launchProbe.alert.failuresToFire',
    ]);
  });

  it('refuses a YAML alias bomb in one line, without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(',')}]`,
      );
    let error: unknown;
    try {
      parseConfigYaml(levels.join('\n'), 'bomb.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('bomb.yaml: YAML aliases expand to more than 100 nodes (an "alias bomb"); refused');
  });

  it('refuses a file too large to be a config, before parsing it', () => {
    expect(issues(`# ${'x'.repeat(1024 * 1024)}\n`)).toEqual([': larger than 1024 KiB; a config file is a page of settings']);
  });

  it("takes what a check's alert override leaves out from alerting.defaults, not from the built-in values", () => {
    const c = parseConfigYaml(
      'alerting:\n  defaults: { repeatInterval: 4h, unknownToFire: 3 }\nchecks:\n  nodeHeadroom:\n    alert: { failuresToFire: 3 }\n',
    );
    expect(ruleFor(c, 'nodeHeadroom')).toMatchObject({
      failuresToFire: 3,
      repeatInterval: 4 * 3_600_000,
      unknownToFire: 3,
      successesToResolve: 2,
    });
  });

  it('tells a removed field apart from a misspelt one beside it', () => {
    expect(issues('checks:\n  clusterHealth:\n    userNamespace: [prod]\n    userNamespaces: [prod]\n')).toEqual([
      expect.stringMatching(/^checks\.clusterHealth\.userNamespaces: was removed: /),
      'checks.clusterHealth: unknown field(s) "userNamespace"',
    ]);
  });

  it('reports every bad field at once, not just the first', () => {
    expect(issues('checks:\n  trafficVsPods:\n    window: 20\n    baseline: x\n')).toHaveLength(2);
  });

  it('lists the first 50 problems of a file wrong everywhere, and how many more', () => {
    const silences = Array.from({ length: 60 }, (_, i) => `  - { match: "k${i}", until: never, reason: x }`).join('\n');
    let error: unknown;
    try {
      parseConfigYaml(`alerting:\n  silences:\n${silences}\n`, 'c.yaml');
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).issues).toHaveLength(60);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(52);
    expect(lines.at(-1)).toBe('  … and 10 more');
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
