// A federation of loopback members as the tests write it: members' /health answers and a config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeBinderHub } from '../../infra/fakes/binderhub.ts';
import { startRedirector } from '../../infra/fakes/federation-redirect.ts';
import type { Finding } from '../../shared/model.ts';

export const NAMES = ['twoi2c', 'gesis', 'bids'];
export const REPO = 'gh/binder-examples/requirements/HEAD';
export const VERSIONS = { builder: 'repo2docker:2024.07.0', binderhub: '1.0.0' };

export const healthy = (used = 5, quota = 100, registryOk = true) => ({
  status: registryOk ? 200 : 503,
  contentType: 'application/json',
  body: JSON.stringify({
    ok: registryOk,
    checks: [
      { service: 'Docker registry', ok: registryOk },
      { service: 'JupyterHub API', ok: true },
      { service: 'Pod quota', ok: used <= quota, total_pods: used, build_pods: 0, user_pods: used, quota, _ignore_failure: true },
    ],
  }),
});

export function configYaml(dir: string, members: { name: string; url: string }[], frontDoor: string, extra = ''): string {
  const lines = members.map(
    (m, i) =>
      `    ${m.name}: { url: "${m.url}", health: "${m.url}/health", versions: "${m.url}/versions", weight: 1${i === 0 ? ', prime: true' : ''} }`,
  );
  const file = join(dir, 'federation.yaml');
  writeFileSync(
    file,
    `federation:\n  frontDoor: "${frontDoor}"\n  repos: ["${REPO}"]\n${extra}  members:\n${lines.join('\n')}\n` +
      `checks:\n  launchProbe: { timeout: 20s, idleTimeout: 10s }\n` +
      `alerting:\n  defaults: { failuresToFire: 1, successesToResolve: 1 }\n  state: { type: file, dir: "${join(dir, 'state')}" }\n`,
  );
  return file;
}

export const findingsOf = (stdout: string) => JSON.parse(stdout) as Finding[];
/** The federation's own findings are one per key (a rotation finding carries the member it is about). */
export const byKey = (fs: Finding[], key: string) => fs.find((f) => f.key === key);

/** The loopback redirector in front of `hubs`, named NAMES in order, the first one prime. */
export const redirectorFor = (hubs: FakeBinderHub[]) =>
  startRedirector(
    Object.fromEntries(
      NAMES.map((n, i) => [
        n,
        { url: hubs[i].url, weight: 1, health: `${hubs[i].url}/health`, versions: `${hubs[i].url}/versions`, prime: i === 0 },
      ]),
    ),
  );

/** A fresh state directory and config for the three members behind `frontDoor`, every member healthy and on the same versions. */
export function freshFederation(prefix: string, hubs: FakeBinderHub[], frontDoor: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = configYaml(
    dir,
    NAMES.map((name, i) => ({ name, url: hubs[i].url })),
    frontDoor,
  );
  for (const h of hubs) {
    h.setHealth(healthy());
    h.setVersions(VERSIONS);
  }
  return { dir, config };
}
