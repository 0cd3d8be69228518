import { describe, expect, it } from 'vitest';
import { ForeignServerError, notOurs, serverLocation, underHub } from '../../../shared/clients/jupyterhub.ts';

describe('serverLocation: only a server on the configured hub', () => {
  it.each([
    ['https://hub.example/user/u1/', 'https://hub.example', { user: 'u1', server: '' }],
    ['https://hub.example/user/u1/lab/', 'https://hub.example/', { user: 'u1', server: 'lab' }],
    ['https://x.example/jhub/user/a%40b/', 'https://x.example/jhub', { user: 'a@b', server: '' }],
  ])('%s under %s', (url, hubUrl, expected) => {
    expect(serverLocation(url, hubUrl)).toMatchObject(expected);
    expect(underHub(url, hubUrl)).toBe(true);
  });

  it.each([
    ['another host', 'https://evil.example/user/victim/', 'https://hub.example'],
    ['another port', 'https://hub.example:8443/user/victim/', 'https://hub.example'],
    ['another scheme', 'http://hub.example/user/victim/', 'https://hub.example'],
    ['outside the base path', 'https://x.example/other/user/victim/', 'https://x.example/jhub/'],
    ['a base path that only starts alike', 'https://x.example/jhubby/user/victim/', 'https://x.example/jhub'],
  ])('refuses %s with ForeignServerError', (_what, url, hubUrl) => {
    expect(underHub(url, hubUrl)).toBe(false);
    expect(() => serverLocation(url, hubUrl)).toThrow(ForeignServerError);
  });
});

describe('notOurs: the admin token deletes only a server started within the probe', () => {
  const loc = { hubApi: 'https://hub.example/hub/api/', user: 'u1', server: '' };
  const probeStart = Date.parse('2026-12-08T02:00:00Z');
  it.each([
    ['started after the probe began', probeStart + 30_000, undefined],
    ['started a little before, within the clock skew allowed', probeStart - 4_000, undefined],
    ['started a minute before the probe', probeStart - 60_000, /started at 2026-12-08T01:59:00\.000Z, before this probe began/],
    ['without a start time', undefined, /does not say when u1's server started/],
  ])('%s', (_what, started, refused) => {
    const why = notOurs(loc, { state: 'active', started }, probeStart);
    if (refused) expect(why).toMatch(refused);
    else expect(why).toBeUndefined();
  });
});
