import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../../shared/config/load.ts';
import { configIssues } from '../../helpers/config.ts';

const issues = configIssues;

const member = (name: string, extra = '') => `    - { name: ${name}, url: "https://${name}.example.org"${extra} }\n`;

describe('federation config', () => {
  it('reads the example: the redirector hosts map pasted, health and versions defaulted under the url', () => {
    const c = parseConfigYaml(readFileSync('binderwatch.federation.example.yaml', 'utf8'));
    const f = c.federation!;
    expect(f.members.map((m) => m.name)).toEqual(['2i2c', 'gesis', 'bids']);
    expect(f.members[2].health).toBe('https://bids.mybinder.org/health');
    expect(f.members[2].versions).toBe('https://bids.mybinder.org/versions');
    expect(f.members[1].health).toBe('https://notebooks.gesis.org/binder/health');
    expect(f.members[0].prime).toBe(true);
    expect(f.memberBudget).toBe(4 * 60_000);
    expect(f.members[1].owners.email).toEqual(['gesis-notebooks@example.org']);
  });

  it('keeps a config without federation exactly as before', () => {
    expect(parseConfigYaml('checks: {}').federation).toBeUndefined();
  });

  it('accepts the list form with name', () => {
    const c = parseConfigYaml(`federation:\n  frontDoor: https://mybinder.org\n  members:\n${member('a', ', prime: true')}${member('b')}`);
    expect(c.federation!.members.map((m) => [m.name, m.weight, m.prime])).toEqual([
      ['a', 1, true],
      ['b', 1, false],
    ]);
  });

  it('names the field: no prime, two primes, a name twice, a bad owner channel', () => {
    const head = 'federation:\n  frontDoor: https://mybinder.org\n  members:\n';
    expect(issues(head + member('a') + member('b'))).toEqual(['federation.members: exactly one member must be prime: true (found 0)']);
    expect(issues(head + member('a', ', prime: true') + member('b', ', prime: true'))[0]).toMatch(/found 2/);
    expect(issues(head + member('a', ', prime: true') + member('a'))).toEqual(['federation.members[1].name: "a" is named twice']);
    expect(issues(head + member('a', ', prime: true, owners: { slackChannel: "#ops" }'))[0]).toMatch(
      /^federation\.members\[0\]\.owners\.slackChannel: expected a Slack channel ID/,
    );
    expect(issues('federation:\n  frontDoor: ftp://x\n  members: {}\n')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^federation\.frontDoor: /)]),
    );
  });
});
