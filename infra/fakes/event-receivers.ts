// Loopback receivers for the pager channels: PagerDuty's Events API v2 (POST /v2/enqueue,
// 202 on a valid event, 400 naming what is invalid, as documented) and a receiver of
// Alertmanager's webhook JSON (version 4). Each records every request and checks the
// body against the documented format; the test can make the next requests fail.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The status it was answered with. */
  status: number;
}

export interface FakeReceiver {
  /** The URL to post to (path included). */
  url: string;
  requests: ReceivedRequest[];
  /** Bodies that were accepted (2xx). */
  accepted: unknown[];
  /** The next `count` requests get `status` (with Retry-After seconds, if given). */
  failNext(status: number, count?: number, retryAfter?: string): void;
  close(): Promise<void>;
}

type Validate = (body: unknown) => string[];

async function startReceiver(
  path: string,
  okStatus: number,
  validate: Validate,
  okBody: (body: unknown) => unknown,
): Promise<FakeReceiver> {
  const requests: ReceivedRequest[] = [];
  const accepted: unknown[] = [];
  const faults: { status: number; retryAfter?: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== path) return answer(404, { message: 'Not found' });
    const fault = faults.shift();
    if (fault)
      return answer(
        fault.status,
        { status: 'error', message: `fault ${fault.status}` },
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    const errors = req.headers['content-type']?.startsWith('application/json')
      ? validate(body)
      : ['content-type: expected application/json'];
    if (errors.length) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    accepted.push(body);
    answer(okStatus, okBody(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests,
    accepted,
    failNext(status, count = 1, retryAfter) {
      for (let i = 0; i < count; i++) faults.push({ status, retryAfter });
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

/** The Events API v2 rules for one event (developer.pagerduty.com, "Send an Alert Event"). */
function validatePagerDutyEvent(routingKey: string): Validate {
  return (e) => {
    if (!isObject(e)) return ['body: expected a JSON object'];
    const errors: string[] = [];
    if (e.routing_key !== routingKey) errors.push('routing_key: unknown integration key');
    if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) errors.push('event_action: invalid');
    if (e.dedup_key !== undefined && (!nonEmpty(e.dedup_key) || String(e.dedup_key).length > 255))
      errors.push('dedup_key: 1 to 255 characters');
    if (e.event_action !== 'trigger') {
      if (!nonEmpty(e.dedup_key)) errors.push('dedup_key: required for acknowledge and resolve');
      return errors;
    }
    const p = e.payload;
    if (!isObject(p)) return [...errors, 'payload: required for trigger'];
    if (!nonEmpty(p.summary) || String(p.summary).length > 1024) errors.push('payload.summary: 1 to 1024 characters');
    if (!nonEmpty(p.source)) errors.push('payload.source: required');
    if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity))) errors.push('payload.severity: invalid');
    if (p.timestamp !== undefined && Number.isNaN(Date.parse(String(p.timestamp)))) errors.push('payload.timestamp: not ISO 8601');
    if (p.custom_details !== undefined && !isObject(p.custom_details)) errors.push('payload.custom_details: expected an object');
    for (const l of (e.links as unknown[] | undefined) ?? []) if (!isObject(l) || !nonEmpty(l.href)) errors.push('links[].href: required');
    return errors;
  };
}

export function startFakePagerDuty(routingKey: string): Promise<FakeReceiver> {
  return startReceiver('/v2/enqueue', 202, validatePagerDutyEvent(routingKey), (e) => ({
    status: 'success',
    message: 'Event processed',
    dedup_key: (e as { dedup_key?: string }).dedup_key,
  }));
}

const stringMap = (v: unknown) => isObject(v) && Object.values(v).every((x) => typeof x === 'string');

/** Alertmanager's webhook_config message, version 4 (prometheus.io, Alertmanager configuration). */
function validateAlertmanagerMessage(m: unknown): string[] {
  if (!isObject(m)) return ['body: expected a JSON object'];
  const errors: string[] = [];
  if (m.version !== '4') errors.push('version: expected "4"');
  if (!nonEmpty(m.groupKey)) errors.push('groupKey: required');
  if (!['firing', 'resolved'].includes(String(m.status))) errors.push('status: firing or resolved');
  for (const f of ['groupLabels', 'commonLabels', 'commonAnnotations']) if (!stringMap(m[f])) errors.push(`${f}: expected string → string`);
  if (typeof m.truncatedAlerts !== 'number') errors.push('truncatedAlerts: expected a number');
  if (!Array.isArray(m.alerts) || !m.alerts.length) return [...errors, 'alerts: expected at least one'];
  m.alerts.forEach((a: unknown, i) => {
    if (!isObject(a)) return errors.push(`alerts[${i}]: expected an object`);
    if (!['firing', 'resolved'].includes(String(a.status))) errors.push(`alerts[${i}].status: firing or resolved`);
    if (!stringMap(a.labels) || !stringMap(a.annotations)) errors.push(`alerts[${i}].labels/annotations: expected string → string`);
    for (const t of ['startsAt', 'endsAt']) if (Number.isNaN(Date.parse(String(a[t])))) errors.push(`alerts[${i}].${t}: not RFC 3339`);
    if (!/^[0-9a-f]{16}$/.test(String(a.fingerprint))) errors.push(`alerts[${i}].fingerprint: 16 hex digits`);
  });
  return errors;
}

export function startFakeWebhookReceiver(path = '/hooks/binderwatch/t0ken-XYZ'): Promise<FakeReceiver> {
  return startReceiver(path, 200, validateAlertmanagerMessage, () => ({ ok: true }));
}
