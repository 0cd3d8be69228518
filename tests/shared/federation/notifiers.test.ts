import { describe, expect, it } from 'vitest';
import type { AlertNotification, Notifier } from '../../../shared/alerting/notifier.ts';
import { everyone, ownedChannels } from '../../../shared/federation/notifiers.ts';

const recorder = (name: string, sent: string[], fail = false): Notifier => ({
  name,
  async send(n) {
    sent.push(`${name}:${n.key}`);
    if (fail) throw new Error(`${name} down`);
  },
});
const n = { key: 'federation:front-door' } as AlertNotification;

describe('routing federation findings to every owner', () => {
  it('sends once to each instance of a channel name, and fails when any of them fails', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const [slack, email] = everyone([[recorder('slack', a), recorder('email', a)], [recorder('slack', b)]]);
    expect([slack.name, email.name]).toEqual(['slack', 'email']);
    await slack.send(n);
    expect([a, b]).toEqual([['slack:federation:front-door'], ['slack:federation:front-door']]);
    const [broken] = everyone([[recorder('slack', a)], [recorder('slack', b, true)]]);
    await expect(broken.send(n)).rejects.toThrow('slack down');
  });

  it('counts only the channels an owner routes elsewhere', () => {
    expect(ownedChannels({ email: [] })).toEqual([]);
    expect(ownedChannels({ slackChannel: 'C0123456789', email: ['ops@example.org'] })).toEqual(['slack', 'email']);
  });
});
