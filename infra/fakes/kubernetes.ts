// Loopback Kubernetes API server: `GET /api/v1/nodes`, `GET /api/v1/pods` (all
// namespaces) and `GET /apis/apps/v1/namespaces/<ns>/replicasets/<name>` from an in-memory fixture, with labelSelector, fieldSelector and
// limit/continue paging as the API server implements them, over HTTPS with a
// self-signed certificate made by `openssl` at start (the client refuses plain
// HTTP unless TLS verification is switched off, which production never does).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopback, type FaultPlan, type JsonAnswer, type RecordedRequest } from './loopback-faults.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fake answers are free-form JSON, read field by field
type Json = Record<string, any>;

export interface FakeKubernetes {
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** PEM of the self-signed certificate: the CA the client must trust. */
  caCert: string;
  /** The bearer token the server accepts. */
  token: string;
  nodes: Json[];
  pods: Json[];
  replicaSets: Json[];
  faults: FaultPlan;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

// The API server's error object (kind Status).
const statusBody = (code: number, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason: REASONS[code] ?? 'Unknown',
  code,
});
const fail = (code: number, message: string): JsonAnswer => ({ status: code, body: statusBody(code, message) });

// Field selectors the API server supports for each kind (a subset; others are refused as the server does).
const FIELDS: Record<string, Record<string, (o: Json) => string>> = {
  nodes: {
    'metadata.name': (o) => o.metadata?.name ?? '',
    'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false),
  },
  pods: {
    'metadata.name': (o) => o.metadata?.name ?? '',
    'metadata.namespace': (o) => o.metadata?.namespace ?? '',
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'status.phase': (o) => o.status?.phase ?? '',
  },
};

/** `accepts`: which bearer tokens the server takes, `token` alone by default (e.g. the live tokens of a fake metadata server). */
export async function startFakeKubernetes(opts: { token?: string; accepts?: (token: string) => boolean } = {}): Promise<FakeKubernetes> {
  const token = opts.token ?? 'fake-kube-token-0123456789';
  const accepts = opts.accepts ?? ((t: string) => t === token);
  const { key, cert } = selfSignedCert();
  const fixture = { nodes: [] as Json[], pods: [] as Json[], replicaSets: [] as Json[] };

  const route = (req: RecordedRequest): JsonAnswer => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !accepts(bearer)) return fail(401, 'Unauthorized');
    const url = new URL(req.url, 'https://x');
    if (req.method !== 'GET') return fail(405, 'method not allowed');
    if (url.pathname === '/api/v1/nodes') return list('nodes', fixture.nodes, url.searchParams);
    if (url.pathname === '/api/v1/pods') return list('pods', fixture.pods, url.searchParams);
    const rs = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets\/([^/]+)$/.exec(url.pathname);
    if (rs) {
      const found = fixture.replicaSets.find((r) => r.metadata?.namespace === rs[1] && r.metadata?.name === rs[2]);
      return found ? { status: 200, body: found } : fail(404, `replicasets.apps "${rs[2]}" not found`);
    }
    return fail(404, 'the server could not find the requested resource');
  };

  const loop = await startLoopback({ tls: { key, cert }, errorBody: statusBody, route });
  // Tests replace `nodes` / `pods` / `replicaSets` on the returned object; the route reads them per request.
  return Object.assign(fixture, {
    server: loop.url,
    caCert: cert,
    token,
    faults: loop.faults,
    requests: loop.requests,
    close: loop.close,
  });
}

function list(kind: 'nodes' | 'pods', all: Json[], q: URLSearchParams): JsonAnswer {
  let labelMatch: (o: Json) => boolean;
  let fieldMatch: (o: Json) => boolean;
  try {
    labelMatch = labelSelector(q.get('labelSelector') ?? '');
    fieldMatch = fieldSelector(FIELDS[kind], q.get('fieldSelector') ?? '');
  } catch (e) {
    return fail(400, (e as Error).message);
  }
  // Keys are listed in etcd order: namespace, then name.
  const items = all.filter((o) => labelMatch(o) && fieldMatch(o)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const query = `${q.get('labelSelector') ?? ''}|${q.get('fieldSelector') ?? ''}`;
  let offset = 0;
  const cont = q.get('continue');
  if (cont) {
    try {
      const parsed = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { offset: number; query: string };
      if (parsed.query !== query) throw new Error('query changed');
      offset = parsed.offset;
    } catch {
      return fail(400, 'continue key is not valid for this request');
    }
  }
  const limit = Number(q.get('limit') ?? 0);
  const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
  const next = offset + page.length;
  const metadata: Json = { resourceVersion: '4242' };
  if (limit > 0 && next < items.length) {
    metadata.continue = Buffer.from(JSON.stringify({ offset: next, query })).toString('base64url');
    metadata.remainingItemCount = items.length - next;
  }
  return { status: 200, body: { kind: kind === 'nodes' ? 'NodeList' : 'PodList', apiVersion: 'v1', metadata, items: page } };
}

const keyOf = (o: Json) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Equality-based label selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated (AND). */
function labelSelector(text: string): (o: Json) => boolean {
  const terms = text
    .split(',')
    .filter(Boolean)
    .map((term) => {
      const m = /^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*))?\s*$/.exec(term);
      if (!m) throw new Error(`unable to parse requirement: ${term}`);
      const [, not, key, op, value] = m;
      return (labels: Record<string, string>) => {
        if (!op) return not ? !(key in labels) : key in labels;
        return op === '!=' ? labels[key] !== value : labels[key] === value;
      };
    });
  return (o) => terms.every((t) => t(o.metadata?.labels ?? {}));
}

function fieldSelector(fields: Record<string, (o: Json) => string>, text: string): (o: Json) => boolean {
  const terms = text
    .split(',')
    .filter(Boolean)
    .map((term) => {
      const m = /^([a-zA-Z.]+)(==|=|!=)(.*)$/.exec(term.trim());
      if (!m) throw new Error(`invalid field selector: ${term}`);
      const get = fields[m[1]];
      if (!get) throw new Error(`field label not supported: ${m[1]}`);
      return (o: Json) => (m[2] === '!=' ? get(o) !== m[3] : get(o) === m[3]);
    });
  return (o) => terms.every((t) => t(o));
}

function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A kubeconfig file's text (context `fake`) for a client of this server, as `kubectl` would use it. */
export function kubeconfigFor(kube: Pick<FakeKubernetes, 'server' | 'caCert' | 'token'>): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters:\n- name: fake\n  cluster:\n    server: ${kube.server}\n    certificate-authority-data: ${Buffer.from(kube.caCert).toString('base64')}`,
    `users:\n- name: me\n  user:\n    token: ${kube.token}`,
    'contexts:\n- name: fake\n  context: {cluster: fake, user: me}',
    'current-context: fake',
  ].join('\n');
}

// Fixture builders: Kubernetes wire JSON with only the fields binderwatch reads.

const iso = (ms: number) => new Date(ms).toISOString();

export function fixtureNode(name: string, o: { pool: string; cordoned?: boolean; ready?: boolean; created?: number }): Json {
  const created = o.created ?? Date.UTC(2018, 0, 1);
  return {
    metadata: { name, uid: `uid-${name}`, creationTimestamp: iso(created), labels: { 'cloud.google.com/gke-nodepool': o.pool } },
    spec: o.cordoned ? { unschedulable: true } : {},
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastTransitionTime: iso(created) },
        {
          type: 'Ready',
          status: o.ready === false ? 'False' : 'True',
          lastTransitionTime: iso(created),
          reason: o.ready === false ? 'KubeletNotReady' : 'KubeletReady',
        },
      ],
    },
  };
}

/** A ReplicaSet as the API returns it; `owner` (`Kind/name`) is its controller, absent for a ReplicaSet of its own. */
export function fixtureReplicaSet(namespace: string, name: string, owner?: string): Json {
  const [kind, ownerName] = owner ? owner.split('/') : [];
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      namespace,
      name,
      uid: `uid-${name}`,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1',
                kind,
                name: ownerName,
                uid: `uid-${ownerName}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { replicas: 1, selector: { matchLabels: {} } },
  };
}

export interface FixturePod {
  namespace: string;
  name: string;
  node?: string;
  created: number;
  labels?: Record<string, string>;
  /** Controller owner `Kind/name`; absent for a bare pod. */
  owner?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** A container waiting for this reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, ContainerCreating …). */
  waiting?: { reason: string; lastFinished?: number; restarts?: number };
  /** When the containers stopped being ready (ContainersReady=False transition). */
  notReadySince?: number;
  /** PodScheduled=False, reason Unschedulable, since this time. */
  unschedulableSince?: number;
  nodeSelector?: Record<string, string>;
}

export function fixturePod(p: FixturePod): Json {
  const phase = p.phase ?? (p.unschedulableSince !== undefined ? 'Pending' : 'Running');
  const conditions: Json[] = [];
  if (p.unschedulableSince !== undefined) {
    conditions.push({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient memory.',
      lastTransitionTime: iso(p.unschedulableSince),
    });
  } else {
    conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(p.created) });
  }
  if (p.notReadySince !== undefined) {
    conditions.push({ type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: iso(p.notReadySince) });
  }
  const containerState = p.waiting
    ? {
        state: { waiting: { reason: p.waiting.reason, message: `back-off restarting failed container` } },
        ...(p.waiting.lastFinished !== undefined
          ? {
              lastState: {
                terminated: {
                  exitCode: 1,
                  reason: 'Error',
                  startedAt: iso(p.waiting.lastFinished - 5_000),
                  finishedAt: iso(p.waiting.lastFinished),
                },
              },
            }
          : {}),
      }
    : { state: { running: { startedAt: iso(p.created) } } };
  const [kind, ownerName] = p.owner ? p.owner.split('/') : [];
  return {
    metadata: {
      namespace: p.namespace,
      name: p.name,
      uid: `uid-${p.namespace}-${p.name}`,
      creationTimestamp: iso(p.created),
      labels: p.labels ?? {},
      ...(p.owner
        ? {
            ownerReferences: [
              { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, name: ownerName, uid: `uid-${ownerName}`, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      ...(p.node ? { nodeName: p.node } : {}),
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      containers: [{ name: 'main', image: 'example/image:1' }],
    },
    status: {
      phase,
      conditions,
      ...(p.node ? { startTime: iso(p.created) } : {}),
      ...(p.unschedulableSince === undefined
        ? {
            containerStatuses: [
              {
                name: 'main',
                image: 'example/image:1',
                imageID: '',
                ready: !p.waiting,
                restartCount: p.waiting?.restarts ?? 0,
                ...containerState,
              },
            ],
          }
        : {}),
    },
  };
}
