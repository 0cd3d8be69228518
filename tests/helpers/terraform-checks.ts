// Static checks of the Terraform module, run in CI without cloud access or
// providers. Files are parsed with a real HCL parser (@cdktf/hcl2json, the HCL
// library compiled to WebAssembly); each check returns readable violations, so
// tests can show a check both passes the module and catches a broken copy.
import { parse } from '@cdktf/hcl2json';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export interface TfSource {
  path: string;
  text: string;
}

export interface TfModule {
  variables: Record<string, Obj>;
  outputs: Record<string, Obj>;
  locals: Obj;
  /** type → name → body (HCL blocks of one resource merged; hcl2json gives a list of one). */
  resources: Record<string, Record<string, Obj>>;
  /** Everything parsed, for scans that must miss nothing. */
  documents: { path: string; json: Obj }[];
}

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const first = (v: Json | undefined): Obj | undefined => (Array.isArray(v) ? (v.find(isObj) ?? undefined) : isObj(v) ? v : undefined);

/** Reads every .tf file directly in `dir` (not in subdirectories such as examples/). */
export function readModule(dir: string): TfSource[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
}

/** Parses the files; an HCL syntax error rejects with the parser's message. */
export async function parseModule(sources: TfSource[]): Promise<TfModule> {
  const module: TfModule = { variables: {}, outputs: {}, locals: {}, resources: {}, documents: [] };
  for (const { path, text } of sources) {
    const json = (await parse(path, text)) as Obj;
    module.documents.push({ path, json });
    for (const [name, blocks] of Object.entries(isObj(json.variable) ? json.variable : {})) module.variables[name] = first(blocks) ?? {};
    for (const [name, blocks] of Object.entries(isObj(json.output) ? json.output : {})) module.outputs[name] = first(blocks) ?? {};
    for (const block of Array.isArray(json.locals) ? json.locals : []) if (isObj(block)) Object.assign(module.locals, block);
    for (const [type, byName] of Object.entries(isObj(json.resource) ? json.resource : {})) {
      if (!isObj(byName)) continue;
      for (const [name, blocks] of Object.entries(byName)) (module.resources[type] ??= {})[name] = first(blocks) ?? {};
    }
  }
  return module;
}

/** Every string in a parsed value, with a path for messages. */
function* strings(value: Json, path: string): Generator<{ path: string; value: string }> {
  if (typeof value === 'string') yield { path, value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, value.length === 1 ? path : `${path}[${i}]`);
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) yield* strings(v, path ? `${path}.${k}` : k);
}

function* allStrings(module: TfModule) {
  for (const doc of module.documents) for (const s of strings(doc.json, '')) yield { ...s, path: `${doc.path}: ${s.path}` };
}

/** Every `var.x` used is declared; every variable has a description and a type. */
export function checkVariables(module: TfModule): string[] {
  const violations: string[] = [];
  for (const [name, body] of Object.entries(module.variables)) {
    if (typeof body.description !== 'string' || body.description.trim() === '') violations.push(`variable "${name}" has no description`);
    if (body.type === undefined) violations.push(`variable "${name}" has no type`);
  }
  const reported = new Set<string>();
  for (const { path, value } of allStrings(module)) {
    for (const [, name] of value.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) {
      if (!(name in module.variables) && !reported.has(name)) {
        reported.add(name);
        violations.push(`var.${name} is used (${path}) but not declared`);
      }
    }
  }
  return violations;
}

/** Every output says what it is. */
export function checkOutputs(module: TfModule): string[] {
  return Object.entries(module.outputs)
    .filter(([, body]) => typeof body.description !== 'string' || body.description.trim() === '')
    .map(([name]) => `output "${name}" has no description`);
}

/**
 * The keys a `for_each` can produce, followed through locals: a literal map gives
 * its keys; a `for` expression gives the keys of the collection it iterates; a
 * `merge` of locals gives the keys of each.
 */
function possibleKeys(module: TfModule, expression: Json | undefined, depth = 0): string[] {
  if (depth > 10 || typeof expression !== 'string') return [];
  return [...expression.matchAll(/local\.([A-Za-z_][\w-]*)/g)].flatMap(([, name]) => {
    const value = module.locals[name];
    return isObj(value) ? Object.keys(value) : possibleKeys(module, value, depth + 1);
  });
}

/** Entry points a resource serves: a literal entry point, or each key of its for_each. */
function targetsOf(module: TfModule, body: Obj, entryPoint: Json | undefined): string[] {
  if (typeof entryPoint !== 'string') return [];
  if (entryPoint === '${each.key}') return possibleKeys(module, body.for_each);
  return entryPoint.includes('${') ? [] : [entryPoint];
}

/**
 * Each entry point has a gen2 function and a Scheduler job that calls that
 * function with an OIDC token; no Scheduler job calls anything without one.
 */
export function checkEntryPoints(module: TfModule, targets: string[]): string[] {
  const violations: string[] = [];
  const functions = Object.entries(module.resources.google_cloudfunctions2_function ?? {});
  const jobs = Object.entries(module.resources.google_cloud_scheduler_job ?? {});

  const served = new Map<string, string>(); // target → function resource address
  for (const [name, body] of functions) {
    for (const target of targetsOf(module, body, first(body.build_config)?.entry_point)) {
      served.set(target, `google_cloudfunctions2_function.${name}`);
    }
  }

  const scheduled = new Set<string>();
  for (const [name, body] of jobs) {
    const address = `google_cloud_scheduler_job.${name}`;
    const target = first(body.http_target);
    const oidc = first(target?.oidc_token);
    if (!target) {
      violations.push(`${address} has no http_target`);
      continue;
    }
    if (!oidc) violations.push(`${address} calls its target without an oidc_token`);
    else {
      if (typeof oidc.service_account_email !== 'string' || !oidc.service_account_email.includes('google_service_account.')) {
        violations.push(`${address} oidc_token is not signed by a service account this module creates`);
      }
      if (typeof oidc.audience !== 'string' || !oidc.audience.includes('google_cloudfunctions2_function.')) {
        violations.push(`${address} oidc_token audience is not the function URL`);
      }
    }
    const uri = typeof target.uri === 'string' ? target.uri : '';
    const fn = /google_cloudfunctions2_function\.([A-Za-z_][\w-]*)/.exec(uri);
    if (!fn || !oidc) continue;
    const [, fnName] = fn;
    for (const t of possibleKeys(module, body.for_each)) {
      if (served.get(t) === `google_cloudfunctions2_function.${fnName}`) scheduled.add(t);
    }
  }

  for (const target of targets) {
    if (!served.has(target)) violations.push(`entry point ${target} has no google_cloudfunctions2_function`);
    else if (!scheduled.has(target)) violations.push(`entry point ${target} has no Scheduler job calling it with an OIDC token`);
  }
  return violations;
}

const PUBLIC_PRINCIPALS = /\b(allUsers|allAuthenticatedUsers)\b/;

/** Nothing is granted to the public, except at the `allowed` places (e.g. `status.tf: resource.….member`). */
export function checkNoPublicAccess(module: TfModule, allowed: string[] = []): string[] {
  return [...allStrings(module)]
    .filter(({ path, value }) => PUBLIC_PRINCIPALS.test(value) && !allowed.includes(path))
    .map(({ path, value }) => `public principal ${PUBLIC_PRINCIPALS.exec(value)?.[1]} at ${path}`);
}

/** A bucket (e.g. `state`) enforces public access prevention and no bucket IAM resource grants it to the public. */
export function checkBucketPrivate(module: TfModule, name: string): string[] {
  const address = `google_storage_bucket.${name}`;
  const violations: string[] = [];
  if (module.resources.google_storage_bucket?.[name]?.public_access_prevention !== 'enforced')
    violations.push(`${address} does not enforce public access prevention`);
  for (const type of ['google_storage_bucket_iam_member', 'google_storage_bucket_iam_binding', 'google_storage_bucket_iam_policy']) {
    for (const [resource, body] of Object.entries(module.resources[type] ?? {})) {
      const text = JSON.stringify(body);
      if (new RegExp(`\\b${address}\\b`).test(text) && PUBLIC_PRINCIPALS.test(text))
        violations.push(`${type}.${resource} makes ${address} public`);
    }
  }
  return violations;
}

const SECRET_PATTERNS: [string, RegExp][] = [
  ['a Slack webhook URL', /hooks\.slack\.com\/(services|workflows|triggers)\//i],
  ['a Slack token', /\bxox[abposr]-[A-Za-z0-9-]{6,}/],
  ['a URL with a password', /[a-z][a-z0-9+.-]*:\/\/[^/\s:@${}]+:[^/\s@${}]+@/i],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];
const SECRET_ATTRIBUTES = /^(secret_data|password|token|webhook_url|smtp_url|api_key)$/i;

/** No secret value in the module: no literal that looks like one, and no secret version resources (they put values in state). */
export function checkNoSecretValues(module: TfModule): string[] {
  const violations: string[] = [];
  for (const { path, value } of allStrings(module)) {
    for (const [what, pattern] of SECRET_PATTERNS) if (pattern.test(value)) violations.push(`${what} at ${path}`);
    const attribute = path.split('.').at(-1) ?? '';
    if (SECRET_ATTRIBUTES.test(attribute) && value !== '' && !value.includes('${'))
      violations.push(`literal value for ${attribute} at ${path}`);
  }
  for (const name of Object.keys(module.resources.google_secret_manager_secret_version ?? {})) {
    violations.push(`google_secret_manager_secret_version.${name} would store a secret value in Terraform state`);
  }
  return violations;
}

/** Project-level grants stay within `allowed`. */
export function checkProjectRoles(module: TfModule, allowed: string[]): string[] {
  const violations: string[] = [];
  for (const type of ['google_project_iam_member', 'google_project_iam_binding', 'google_project_iam_policy']) {
    for (const [name, body] of Object.entries(module.resources[type] ?? {})) {
      const text = JSON.stringify(body);
      for (const [role] of text.matchAll(/roles\/[A-Za-z.]+/g)) {
        if (!allowed.includes(role)) violations.push(`${type}.${name} grants ${role} on the project`);
      }
    }
  }
  return violations;
}

/**
 * Evaluates `expression` with `terraform console` over the module's inputs and its
 * resource-free locals (variables.tf + locals.tf): no provider is needed, so this
 * runs where `terraform validate` cannot. Variable validation runs too; a refused
 * value comes back as `{ error }` with Terraform's message.
 */
export function terraformEval(moduleDir: string, vars: Record<string, unknown>, expression: string): { value?: unknown; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-tf-eval-'));
  try {
    for (const f of ['variables.tf', 'locals.tf']) copyFileSync(join(moduleDir, f), join(dir, f));
    writeFileSync(join(dir, 'test.auto.tfvars.json'), JSON.stringify(vars));
    const r = spawnSync('terraform', ['console', '-no-color'], {
      cwd: dir,
      input: `jsonencode(${expression})\n`,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
    });
    // A refused variable is printed as an Error, yet the console exits 0.
    const output = `${r.stderr}${r.stdout}`;
    if (r.status !== 0 || /^Error: /m.test(output)) return { error: output };
    // The console prints the JSON text as an HCL string literal, on the last line.
    const literal = r.stdout.trim().split('\n').at(-1) ?? '';
    return { value: JSON.parse(JSON.parse(literal) as string) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
