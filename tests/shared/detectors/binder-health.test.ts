// detectBinderHealth as a table: what a hub's /health said → the finding's status,
// severity, key and words. Every expected value is written out here, not computed.
import { describe, expect, it } from 'vitest';
import { binderHealthSchema } from '../../../shared/config/schema.ts';
import { detectBinderHealth } from '../../../shared/detectors/binder-health.ts';
import type { Finding, HubHealth } from '../../../shared/model.ts';

const NOW = Date.UTC(2018, 0, 18, 14, 0);
const cfg = binderHealthSchema.parse({ quotaWarnAt: 0.9 });
const HUB = 'https://mybinder.org';
const HELD_BACK = 'Launch-probe alerts of this hub are held back while this alert fires.';
const detect = (hubs: HubHealth[]) => detectBinderHealth({ hubs }, cfg, NOW).findings;
const quota = (used: number, total: number) => ({ service: 'Pod quota', ok: true, quota: { used, total } });

describe('detectBinderHealth', () => {
  it.each<[string, Omit<HubHealth, 'binderUrl'>, Partial<Finding>]>([
    [
      'every check ok',
      {
        checks: [
          { service: 'Docker registry', ok: true },
          { service: 'JupyterHub API', ok: true },
        ],
      },
      {
        status: 'ok',
        severity: 'warning',
        title: 'mybinder.org healthy',
        summary: 'mybinder.org healthy',
        evidence: { 'Docker registry': 'ok', 'JupyterHub API': 'ok' },
        runbook: [],
      },
    ],
    [
      'one check failing',
      {
        checks: [
          { service: 'Docker registry', ok: true },
          { service: 'JupyterHub API', ok: false },
        ],
      },
      {
        status: 'problem',
        severity: 'critical',
        title: 'mybinder.org unhealthy: JupyterHub API',
        summary: 'mybinder.org reports unhealthy: JupyterHub API',
        details: HELD_BACK,
      },
    ],
    [
      'two checks failing, one with its message',
      {
        checks: [
          { service: 'Docker registry', ok: false },
          { service: 'Pod quota', ok: false, message: '90 user pods, 3 build pods' },
        ],
      },
      {
        status: 'problem',
        severity: 'critical',
        title: 'mybinder.org unhealthy: Docker registry, Pod quota',
        summary: 'mybinder.org reports unhealthy: Docker registry, Pod quota (90 user pods, 3 build pods)',
      },
    ],
    [
      'a failing check while the quota is nearly full: the failure wins',
      { checks: [{ service: 'JupyterHub API', ok: false }, quota(199, 200)] },
      {
        status: 'problem',
        severity: 'critical',
        title: 'mybinder.org unhealthy: JupyterHub API',
        evidence: { 'JupyterHub API': 'failing', 'Pod quota used': '199 of 200' },
      },
    ],
    [
      'the pod quota at 95 %',
      { checks: [{ service: 'JupyterHub API', ok: true }, quota(190, 200)] },
      {
        status: 'problem',
        severity: 'warning',
        title: 'mybinder.org pod quota at 190 of 200',
        summary: 'mybinder.org pod quota nearly full: 190 of 200',
        details: HELD_BACK,
      },
    ],
    [
      'the pod quota exactly at quotaWarnAt (90 %)',
      { checks: [quota(180, 200)] },
      { status: 'problem', severity: 'warning', title: 'mybinder.org pod quota at 180 of 200' },
    ],
    [
      'the pod quota just below quotaWarnAt',
      { checks: [quota(179, 200)] },
      { status: 'ok', title: 'mybinder.org healthy', evidence: { 'Pod quota used': '179 of 200' } },
    ],
    ['a quota of zero pods (no quota set)', { checks: [quota(5, 0)] }, { status: 'ok', title: 'mybinder.org healthy' }],
    [
      'an unreadable /health',
      { error: 'HTTP 502: Bad Gateway' },
      {
        status: 'unknown',
        severity: 'warning',
        title: 'Cannot read mybinder.org /health',
        summary: 'mybinder.org /health unreadable: HTTP 502: Bad Gateway',
      },
    ],
    ['no checks and no error', {}, { status: 'unknown', summary: 'mybinder.org /health unreadable: no checks' }],
  ])('%s', (_name, health, expected) => {
    const [f] = detect([{ binderUrl: HUB, ...health }]);
    expect(f).toMatchObject({
      check: 'binderHealth',
      key: 'health:mybinder.org',
      links: [{ title: 'mybinder.org /health', url: 'https://mybinder.org/health' }],
      ...expected,
    });
    if (f.status !== 'ok') expect(f.runbook[0]).toBe('curl -s https://mybinder.org/health | python3 -m json.tool');
  });

  it.each([
    [
      'a hub under a path, with a port',
      'https://hub.example.org:8443/binder/',
      'health:hub.example.org:8443',
      'https://hub.example.org:8443/binder/health',
    ],
    ['a loopback hub', 'http://127.0.0.1:8585', 'health:127.0.0.1:8585', 'http://127.0.0.1:8585/health'],
  ])('keys %s by its host and links its /health', (_name, binderUrl, key, url) => {
    const [f] = detect([{ binderUrl, checks: [{ service: 'JupyterHub API', ok: false }] }]);
    expect(f.key).toBe(key);
    expect(f.links).toEqual([{ title: `${key.slice('health:'.length)} /health`, url }]);
    expect(f.runbook[0]).toBe(`curl -s ${url} | python3 -m json.tool`);
  });

  it('reports each hub on its own, in order, and nothing for no hubs', () => {
    const findings = detect([
      { binderUrl: HUB, checks: [{ service: 'JupyterHub API', ok: true }] },
      { binderUrl: 'https://gke.mybinder.org', error: 'no answer within 20 s' },
    ]);
    expect(findings.map((f) => [f.key, f.status])).toEqual([
      ['health:mybinder.org', 'ok'],
      ['health:gke.mybinder.org', 'unknown'],
    ]);
    expect(detect([])).toEqual([]);
  });
});
