// Loopback Compute metadata server: what gives a Cloud Run function its Google
// credential. google-auth-library finds it through GCE_METADATA_HOST (gcp-metadata
// honours it) and asks it for the default service account's access token, as it
// does on Cloud Run. Each token lives `tokenLifetimeS`; the loopback Google and
// Kubernetes servers take `fake.live` as the check of a bearer token, so a client
// that keeps a token past its expiry is refused as the real APIs would refuse it.
import { randomBytes } from 'node:crypto';
import { startLoopback, type JsonAnswer, type RecordedRequest } from './loopback-faults.ts';

export interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export interface FakeMetadataServer {
  /** `127.0.0.1:<port>`: the value for GCE_METADATA_HOST. */
  host: string;
  issued: IssuedToken[];
  /** Issued here and not yet expired. */
  live(token: string): boolean;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const FLAVOR = { 'metadata-flavor': 'Google' };
const BASE = '/computeMetadata/v1/';

export async function startFakeMetadataServer(opts: { tokenLifetimeS?: number; projectId?: string } = {}): Promise<FakeMetadataServer> {
  const lifetimeS = opts.tokenLifetimeS ?? 3600;
  const issued: IssuedToken[] = [];
  const byToken = new Map<string, IssuedToken>();
  const values: Record<string, unknown> = {
    // The detection ping (gcp-metadata isAvailable) reads the instance directory.
    instance: {},
    'project/project-id': opts.projectId ?? 'binderwatch-test',
    'universe/universe-domain': 'googleapis.com',
    'instance/service-accounts/default/email': 'binderwatch@binderwatch-test.iam.gserviceaccount.com',
  };

  const route = (req: RecordedRequest): JsonAnswer => {
    // The real server refuses a request without the header (SSRF protection).
    if (req.headers['metadata-flavor'] !== 'Google')
      return { status: 403, body: 'Missing Metadata-Flavor:Google header.', headers: FLAVOR };
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method !== 'GET' || !path.startsWith(BASE)) return { status: 404, body: 'not found', headers: FLAVOR };
    const key = path.slice(BASE.length).replace(/\/$/, '');
    if (key === 'instance/service-accounts/default/token') {
      const now = Date.now();
      const t = { token: `ya29.fake-${randomBytes(12).toString('hex')}`, issuedAt: now, expiresAt: now + lifetimeS * 1000 };
      issued.push(t);
      byToken.set(t.token, t);
      return { status: 200, body: { access_token: t.token, expires_in: lifetimeS, token_type: 'Bearer' }, headers: FLAVOR };
    }
    return key in values ? { status: 200, body: values[key], headers: FLAVOR } : { status: 404, body: 'not found', headers: FLAVOR };
  };

  const loop = await startLoopback({ errorBody: (_status, message) => message, route });
  return {
    host: new URL(loop.url).host,
    issued,
    live: (token) => {
      const t = byToken.get(token);
      return t !== undefined && Date.now() < t.expiresAt;
    },
    requests: loop.requests,
    close: loop.close,
  };
}
