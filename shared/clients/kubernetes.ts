// Kubernetes API reads through @kubernetes/client-node: nodes (pool, cordoned,
// ready) and pods in all namespaces, summarised to what the node-headroom and
// cluster-health sources need. Lists are paged with limit/continue and summarised page
// by page, so only one page of full objects is ever held; each page is read within a
// byte limit, a list within a page cap and one deadline.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  Observable,
  ResponseContext,
  ServerConfiguration,
  type ConfigurationOptions,
  type HttpLibrary,
  type ObservableMiddleware,
  type RequestContext,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { UpstreamError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { cleanText, registerSecret } from '../redact.ts';
import { describeFetchError, TooLargeError } from './bounded-http.ts';
import { personOwner, POD_TEMPLATE_HASH_LABEL } from './pod-owner.ts';

export const NODE_POOL_LABEL = 'cloud.google.com/gke-nodepool';
const UPSTREAM = 'kubernetes';

/** A kubeconfig file (CLI): its current context, or the named one. */
export function kubeConfigFromFile(path: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  if (context) kc.setCurrentContext(context);
  return kc;
}

const GOOGLE_TOKEN_PROVIDER = 'binderwatch-google-token';

/**
 * A GKE control plane reached with a Google access token (production): `endpoint` as the
 * Container API gives it (an IP) or a URL, `caCert` base64 PEM as GKE gives it (or PEM).
 * `token` as a function is asked before every request, so a long-lived reader follows
 * the credential's renewals instead of keeping the first token past its expiry.
 */
export function kubeConfigForGke(opts: { endpoint: string; caCert: string; token: string | (() => Promise<string>) }): KubeConfig {
  const server = /^https?:\/\//.test(opts.endpoint) ? opts.endpoint : `https://${opts.endpoint}`;
  const caData = opts.caCert.includes('-----BEGIN') ? Buffer.from(opts.caCert).toString('base64') : opts.caCert;
  const kc = new KubeConfig();
  const cluster = { name: 'gke', server, caData, skipTLSVerify: false };
  if (typeof opts.token === 'string') {
    // Given once when the reader is built, and kept for its life.
    registerSecret(opts.token, 'instance');
    kc.loadFromClusterAndUser(cluster, { name: 'binderwatch', token: opts.token });
    return kc;
  }
  const token = opts.token;
  kc.loadFromClusterAndUser(cluster, { name: 'binderwatch', authProvider: { name: GOOGLE_TOKEN_PROVIDER, config: {} } });
  kc.addAuthenticator({
    isAuthProvider: (user) => user.authProvider?.name === GOOGLE_TOKEN_PROVIDER,
    applyAuthentication: async (_user, req) => {
      const t = await token();
      // Renewed while the instance lives: masked by the run that fetched it.
      registerSecret(t);
      req.headers = { ...req.headers, Authorization: `Bearer ${t}` };
    },
  });
  return kc;
}

export interface NodeSummary {
  name: string;
  /** GKE node pool (label cloud.google.com/gke-nodepool), when labelled. */
  pool?: string;
  /** spec.unschedulable: cordoned. */
  cordoned: boolean;
  /** The Ready condition is True (a node without one counts as not ready). */
  ready: boolean;
}

export interface ContainerWaiting {
  /** Waiting reason as the kubelet reports it: CrashLoopBackOff, ImagePullBackOff, ErrImagePull, ContainerCreating … */
  reason: string;
  /**
   * Best estimate from the API of when the container started failing: the earlier of
   * the ContainersReady=False transition and the last termination; pod start (or
   * creation) when the container never ran. Kubernetes records no "looping since".
   */
  since: number;
}

export interface PodSummary {
  namespace: string;
  name: string;
  /** spec.nodeName; '' while unscheduled. */
  node: string;
  /**
   * `Kind/name` of the controlling owner, `Pod/<name>` for a bare pod. A ReplicaSet whose
   * pods carry the Deployment's pod-template-hash is named by its Deployment.
   */
  owner: string;
  /** The controlling ReplicaSet's name, when a ReplicaSet controls the pod: its real owner can be read. */
  replicaSet?: string;
  phase: string;
  labels: Record<string, string>;
  createdAt: number;
  /** status.startTime (when the kubelet accepted the pod), else creation. */
  startedAt: number;
  waiting: ContainerWaiting[];
  /** PodScheduled=False with reason Unschedulable: since the condition's transition. */
  unschedulableSince?: number;
  /** Node pools the pod is restricted to (nodeSelector or required node affinity on the pool label); undefined: any. */
  pools?: string[];
}

export interface KubernetesOptions {
  /** Items per list page (limit). */
  pageSize?: number;
  /** Deadline of one whole list, every page included. */
  timeoutMs?: number;
}

/**
 * Fields binderwatch never reads and that make up most of a pod or node: dropped while a
 * page is parsed, so a page of full objects is garbage at once instead of being kept and
 * copied by the client's deserialiser.
 */
const UNREAD_FIELDS = new Set([
  'managedFields',
  'annotations',
  'containers',
  'initContainers',
  'ephemeralContainers',
  'volumes',
  'images',
  'env',
  'volumeMounts',
]);

/**
 * A list page as the client should see it: only the parts the summaries read. A page of
 * more items than `limit` asked for is refused here, before the client turns each into a
 * class instance (a server that ignores `limit` fits ~280k minimal pods in 8 MiB: GiBs).
 */
function slimJson(text: string, limit: number): string {
  // Counted in the text, before parsing: 250,000 minimal items parse into ~150 MiB of objects.
  const items = countListItems(text);
  if (limit > 0 && items > limit)
    throw new UpstreamError(UPSTREAM, `a list page of ${items} items, more than the ${limit} asked for`, undefined, false);
  let page: unknown;
  try {
    page = JSON.parse(text, (key, value) => (UNREAD_FIELDS.has(key) ? undefined : value));
  } catch {
    return text; // not JSON: the client reports it
  }
  return JSON.stringify(page);
}

const [QUOTE, BACKSLASH, COMMA, OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT] = [0x22, 0x5c, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d];

/**
 * Elements of the top-level `"items"` array of a JSON list, counted in one pass over the
 * text without building anything (commas at the array's own depth, plus one if it holds
 * anything). Text that is not such a list counts 0; JSON.parse then judges it.
 */
export function countListItems(text: string): number {
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  let lastKey = '';
  let inItems = false;
  let commas = 0;
  let filled = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        if (depth === 1) lastKey = text.slice(stringStart, i);
      }
      continue;
    }
    if (inItems && depth === 2 && c > 0x20 && c !== CLOSE_ARRAY) {
      if (c === COMMA) commas++;
      else filled = true;
    }
    if (c === QUOTE) {
      inString = true;
      stringStart = i + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (c === OPEN_ARRAY && depth === 2 && lastKey === 'items') inItems = true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (inItems && depth === 1) return filled ? commas + 1 : 0;
    }
  }
  return 0;
}

/**
 * The client's HTTP layer, except that a body is read only up to LIMITS.kubernetesPageBytes,
 * slimmed (slimJson), and redirects are not followed (the bearer token stays with the API
 * server). The agent (CA, client certificate) and headers are the ones the KubeConfig set.
 */
const boundedHttp: HttpLibrary = {
  send(req: RequestContext): Observable<ResponseContext> {
    const answer = new Promise<ResponseContext>((resolve, reject) => {
      const url = new URL(req.getUrl());
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > LIMITS.kubernetesPageBytes) res.destroy(new TooLargeError(LIMITS.kubernetesPageBytes));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          let text: string;
          try {
            text = slimJson(Buffer.concat(chunks).toString('utf8'), Number(url.searchParams.get('limit')));
          } catch (e) {
            reject(e);
            return;
          } finally {
            chunks.length = 0;
          }
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
          resolve(new ResponseContext(res.statusCode ?? 0, headers, { text: async () => text, binary: async () => Buffer.from(text) }));
        });
      };
      const out = request(
        url,
        { method: req.getHttpMethod(), headers: req.getHeaders(), agent: req.getAgent(), signal: req.getSignal() },
        onResponse,
      );
      out.on('error', reject);
      const body = req.getBody();
      out.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : undefined);
    });
    return new Observable(answer);
  },
};

interface ListPage<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export class KubernetesReader {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly pageSize: number;
  private readonly timeoutMs: number;

  constructor(kc: KubeConfig, opts: KubernetesOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    // As kc.makeApiClient builds them, with the bounded HTTP layer.
    const config = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      httpApi: boundedHttp,
    });
    this.core = new CoreV1Api(config);
    this.apps = new AppsV1Api(config);
    this.pageSize = opts.pageSize ?? LIMITS.kubernetesPageItems;
    this.timeoutMs = opts.timeoutMs ?? LIMITS.kubernetesListMs;
  }

  async nodes(labelSelector?: string): Promise<NodeSummary[]> {
    return this.listSummaries<V1Node, NodeSummary>(
      (cont, options) => this.core.listNode({ labelSelector, limit: this.pageSize, _continue: cont }, options),
      nodeSummary,
    );
  }

  async pods(query: { fieldSelector?: string; labelSelector?: string } = {}): Promise<PodSummary[]> {
    return this.listSummaries<V1Pod, PodSummary>(
      (cont, options) => this.core.listPodForAllNamespaces({ ...query, limit: this.pageSize, _continue: cont }, options),
      podSummary,
    );
  }

  /** `Kind/name` of a ReplicaSet's controller (a Deployment, an Argo Rollout …); undefined when it has none. */
  async replicaSetController(namespace: string, name: string): Promise<string | undefined> {
    let rs: V1ReplicaSet;
    try {
      rs = await this.apps.readNamespacedReplicaSet({ name, namespace }, deadlineOptions(AbortSignal.timeout(this.timeoutMs)));
    } catch (e) {
      throw kubernetesError(e);
    }
    const controller = rs?.metadata?.ownerReferences?.find((o) => o.controller === true);
    return controller ? `${controller.kind}/${controller.name}` : undefined;
  }

  /** A ConfigMap's data; undefined when it does not exist. */
  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name, namespace }, deadlineOptions(AbortSignal.timeout(this.timeoutMs)));
      return cm?.data ?? {};
    } catch (e) {
      const err = kubernetesError(e);
      if (err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every page summarised as it arrives (its full objects dropped), at most LIMITS.kubernetesPages pages, all by one deadline. */
  private async listSummaries<T, S>(
    page: (cont: string | undefined, options: ConfigurationOptions<ObservableMiddleware>) => Promise<ListPage<T>>,
    summarise: (item: T) => S,
  ): Promise<S[]> {
    const options = deadlineOptions(AbortSignal.timeout(this.timeoutMs));
    const all: S[] = [];
    let cont: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages === LIMITS.kubernetesPages) {
        throw new UpstreamError(UPSTREAM, `list longer than ${LIMITS.kubernetesPages} pages of ${this.pageSize}`, undefined, false);
      }
      let res: ListPage<T>;
      try {
        res = await page(cont, options);
      } catch (e) {
        throw kubernetesError(e);
      }
      if (!res || !Array.isArray(res.items)) throw new UpstreamError(UPSTREAM, 'malformed response: list without items', undefined, true);
      for (const item of res.items) all.push(summarise(item));
      if (all.length > LIMITS.kubernetesListItems)
        throw new UpstreamError(UPSTREAM, `list longer than ${LIMITS.kubernetesListItems} items`, undefined, false);
      const next = res.metadata?._continue || undefined;
      if (next !== undefined && next === cont) throw new UpstreamError(UPSTREAM, 'list paging does not advance', undefined, true);
      if (!next) return all;
      cont = next;
    }
  }
}

/** Every request of a list gets the list's deadline (the client has no timeout setting; middleware can set an abort signal). */
function deadlineOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  const deadline: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [deadline], middlewareMergeStrategy: 'append' };
}

function kubernetesError(e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e; // already named (a page of more items than asked)
  if (e instanceof TooLargeError) return new UpstreamError(UPSTREAM, `a list page ${e.message.replace('answer ', '')}`, undefined, false);
  if (e instanceof ApiException) {
    const code = e.code as number;
    let detail = '';
    try {
      const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { reason?: string; message?: string };
      detail = [body?.reason, body?.message].filter(Boolean).join(' ');
    } catch {
      // a non-JSON error body: the status alone says enough
    }
    return new UpstreamError(UPSTREAM, `HTTP ${code}${detail ? `: ${cleanText(detail)}` : ''}`, code);
  }
  const err = e as { name?: string; message?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return new UpstreamError(UPSTREAM, 'timed out', undefined, true);
  return new UpstreamError(UPSTREAM, `request failed: ${describeFetchError(e)}`, undefined, true);
}

const ms = (d: Date | string | undefined): number | undefined => (d === undefined ? undefined : new Date(d).getTime());

function nodeSummary(n: V1Node): NodeSummary {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: n.metadata?.name ?? '',
    pool: n.metadata?.labels?.[NODE_POOL_LABEL],
    cordoned: n.spec?.unschedulable === true,
    ready: ready?.status === 'True',
  };
}

function podSummary(p: V1Pod): PodSummary {
  const name = p.metadata?.name ?? '';
  const createdAt = ms(p.metadata?.creationTimestamp) ?? 0;
  const startedAt = ms(p.status?.startTime) ?? createdAt;
  const controller = p.metadata?.ownerReferences?.find((o) => o.controller === true);
  const conditions = p.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  const notReady = conditions.find((c) => c.type === 'ContainersReady' && c.status === 'False');
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const waiting: ContainerWaiting[] = [];
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if (!reason) continue;
    const candidates = [ms(notReady?.lastTransitionTime), ms(s.lastState?.terminated?.finishedAt)].filter(
      (t): t is number => t !== undefined,
    );
    waiting.push({ reason, since: candidates.length ? Math.min(...candidates) : startedAt });
  }
  return {
    namespace: p.metadata?.namespace ?? '',
    name,
    node: p.spec?.nodeName ?? '',
    owner: controller ? personOwner(controller.kind, controller.name, p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '') : `Pod/${name}`,
    replicaSet: controller?.kind === 'ReplicaSet' ? controller.name : undefined,
    phase: p.status?.phase ?? 'Unknown',
    labels: p.metadata?.labels ?? {},
    createdAt,
    startedAt,
    waiting,
    unschedulableSince:
      scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' ? (ms(scheduled.lastTransitionTime) ?? createdAt) : undefined,
    pools: poolsOf(p),
  };
}

function poolsOf(p: V1Pod): string[] | undefined {
  const selected = p.spec?.nodeSelector?.[NODE_POOL_LABEL];
  if (selected) return [selected];
  // Required node affinity terms are ORed: the pod is restricted only if every term names pools.
  const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const perTerm = terms.map((t) => t.matchExpressions?.find((e) => e.key === NODE_POOL_LABEL && e.operator === 'In')?.values);
  if (perTerm.length === 0 || perTerm.some((v) => !v)) return undefined;
  return [...new Set(perTerm.flatMap((v) => v ?? []))];
}
