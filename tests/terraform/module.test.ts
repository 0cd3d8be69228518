import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { functionEntries } from '../../infra/package.ts';
import {
  checkBucketPrivate,
  checkEntryPoints,
  checkNoPublicAccess,
  checkNoSecretValues,
  checkOutputs,
  checkProjectRoles,
  checkVariables,
  parseModule,
  readModule,
  terraformEval,
  type TfSource,
} from '../helpers/terraform-checks.ts';
import { parseConfigYaml } from '../../shared/config/load.ts';
import { skippingFor, TERRAFORM_INSTALL } from '../helpers/stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MODULE_DIR = join(ROOT, 'terraform');
const EXAMPLE_DIR = join(MODULE_DIR, 'examples/mybinder');
const RUNTIME_ROLES = ['roles/monitoring.viewer', 'roles/monitoring.metricWriter', 'roles/container.clusterViewer'];
const targets = functionEntries(join(ROOT, 'functions')).map((e) => e.target);
const sources = readModule(MODULE_DIR);
/** The one public grant: read on the status page's own bucket. */
const STATUS_PUBLIC = 'status.tf: resource.google_storage_bucket_iam_member.status_public.member';

/** The module with one file's text changed; fails loudly if the change did not apply. */
function mutate(file: string, change: (text: string) => string): TfSource[] {
  return sources.map((s) => {
    if (s.path !== file) return s;
    const text = change(s.text);
    if (text === s.text) throw new Error(`mutation of ${file} changed nothing`);
    return { ...s, text };
  });
}

/** Removes the first `name { … }` block (braces matched) from HCL text. */
function removeBlock(text: string, name: string): string {
  const start = text.search(new RegExp(`^\\s*${name} \\{`, 'm'));
  if (start < 0) return text;
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(0, start) + text.slice(i + 1);
  }
  throw new Error(`unbalanced ${name} block`);
}

describe('terraform module, parsed with a real HCL parser', () => {
  it('finds the entry points to deploy in functions/', () => {
    expect(targets).toContain('launchProbe');
    expect(targets).toContain('nodeHeadroom');
  });

  it('declares every variable it uses, each with a description and a type', async () => {
    expect(checkVariables(await parseModule(sources))).toEqual([]);
  });

  it('describes every output', async () => {
    const module = await parseModule(sources);
    expect(Object.keys(module.outputs).length).toBeGreaterThan(0);
    expect(checkOutputs(module)).toEqual([]);
  });

  it('deploys a gen2 function and an OIDC-authenticated Scheduler job for every entry point', async () => {
    expect(checkEntryPoints(await parseModule(sources), targets)).toEqual([]);
  });

  it('grants allUsers only object read on the status page bucket, and nothing else to allUsers or allAuthenticatedUsers', async () => {
    const module = await parseModule(sources);
    expect(checkNoPublicAccess(module, [STATUS_PUBLIC])).toEqual([]);
    expect(checkNoPublicAccess(module)).toEqual([`public principal allUsers at ${STATUS_PUBLIC}`]);
    expect(module.resources.google_storage_bucket_iam_member.status_public).toEqual({
      count: '${length(google_storage_bucket.status)}',
      bucket: '${google_storage_bucket.status[0].name}',
      role: 'roles/storage.objectViewer',
      member: 'allUsers',
    });
  });

  it('never makes the state or source bucket public', async () => {
    const module = await parseModule(sources);
    expect(checkBucketPrivate(module, 'state')).toEqual([]);
    expect(checkBucketPrivate(module, 'source')).toEqual([]);
  });

  it('creates the status bucket, uniform access, and the runtime account its writer, only when status_page is set', async () => {
    const { resources } = await parseModule(sources);
    expect(resources.google_storage_bucket.status).toMatchObject({
      count: '${var.status_page == null ? 0 : 1}',
      name: '${var.status_page.bucket}',
      uniform_bucket_level_access: true,
    });
    expect(resources.google_storage_bucket_iam_member.runtime_status).toEqual({
      count: '${length(google_storage_bucket.status)}',
      bucket: '${google_storage_bucket.status[0].name}',
      role: 'roles/storage.objectUser',
      member: 'serviceAccount:${google_service_account.runtime.email}',
    });
    // The deployed config names that bucket, so the function writes there and nowhere else.
    expect(readFileSync(join(MODULE_DIR, 'main.tf'), 'utf8')).toMatch(/bucket = one\(google_storage_bucket\.status\[\*\]\.name\)/);
  });

  it('holds no secret value and creates no secret versions', async () => {
    expect(checkNoSecretValues(await parseModule(sources))).toEqual([]);
  });

  it('grants the runtime account exactly the three project roles it needs', async () => {
    const module = await parseModule(sources);
    expect(checkProjectRoles(module, RUNTIME_ROLES)).toEqual([]);
    const granted = JSON.stringify(module.resources.google_project_iam_member ?? {});
    for (const role of RUNTIME_ROLES) expect(granted).toContain(role);
  });

  it('gives the invoker account run.invoker on each function and the runtime account access only to its own secrets and bucket', async () => {
    const { resources } = await parseModule(sources);
    // The v2 resource: the gen2 function's service is a Cloud Run v2 service.
    expect(resources.google_cloud_run_service_iam_member).toBeUndefined();
    const invoker = resources.google_cloud_run_v2_service_iam_member?.invoker;
    expect(invoker).toMatchObject({ role: 'roles/run.invoker', member: expect.stringContaining('google_service_account.invoker.email') });
    expect(invoker.name).toContain('google_cloudfunctions2_function.check[each.key]');
    expect(resources.google_secret_manager_secret_iam_member?.runtime).toMatchObject({
      for_each: '${google_secret_manager_secret.this}',
      role: 'roles/secretmanager.secretAccessor',
    });
    expect(resources.google_storage_bucket_iam_member?.runtime_state).toMatchObject({
      bucket: '${google_storage_bucket.state.name}',
      role: 'roles/storage.objectUser',
    });
  });

  it('alerts by email when the check_runs heartbeat is absent for 15 minutes', async () => {
    const { resources, variables } = await parseModule(sources);
    const policy = resources.google_monitoring_alert_policy?.heartbeat_absent;
    const condition = JSON.stringify(policy?.conditions);
    expect(condition).toContain('custom.googleapis.com/binderwatch/check_runs');
    expect(condition).toContain('condition_absent');
    expect(condition).toContain('${var.heartbeat_absence_seconds}s');
    expect(variables.heartbeat_absence_seconds.default).toBe(900);
    expect(resources.google_monitoring_notification_channel?.watchdog).toMatchObject({ type: 'email' });
  });

  it('has an example that passes only declared inputs and every required one', async () => {
    const module = await parseModule(sources);
    const example = await parseModule(readModule(EXAMPLE_DIR));
    const document = example.documents.find((d) => d.path === 'main.tf')?.json as { module: Record<string, [Record<string, unknown>]> };
    const call = document.module.binderwatch[0];
    expect(call.source).toBe('../..');
    const passed = Object.keys(call).filter((k) => k !== 'source');
    expect(passed.filter((k) => !(k in module.variables))).toEqual([]);
    const required = Object.entries(module.variables)
      .filter(([, v]) => !('default' in v))
      .map(([k]) => k);
    expect(required.filter((k) => !passed.includes(k))).toEqual([]);
    expect(checkNoSecretValues(example)).toEqual([]);
    expect(checkVariables(example)).toEqual([]);
  });

  it("has an example config that binderwatch's own loader accepts", () => {
    const config = parseConfigYaml(readFileSync(join(EXAMPLE_DIR, 'binderwatch.yaml'), 'utf8'), 'binderwatch.yaml');
    expect(config.checks.launchProbe.targets.map((t) => t.repos.length)).toEqual([3, 3]);
    expect(config.checks.nodeHeadroom.pools.map((p) => p.pool)).toEqual(['user-202506', 'core-pool']);
  });
});

describe('the module checks catch a broken module', () => {
  it('reports a Scheduler job that calls its function without an OIDC token', async () => {
    const broken = await parseModule(mutate('scheduler.tf', (t) => removeBlock(t, 'oidc_token')));
    const violations = checkEntryPoints(broken, targets);
    expect(violations).toContain('google_cloud_scheduler_job.check calls its target without an oidc_token');
    expect(violations).toContain('entry point launchProbe has no Scheduler job calling it with an OIDC token');
  });

  it('reports a function made invokable by allUsers', async () => {
    const broken = await parseModule(
      mutate(
        'iam.tf',
        (t) =>
          t +
          `
resource "google_cloud_run_service_iam_member" "public" {
  for_each = local.enabled_checks
  location = var.region
  service  = google_cloudfunctions2_function.check[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
`,
      ),
    );
    expect(checkNoPublicAccess(broken, [STATUS_PUBLIC])).toEqual([
      'public principal allUsers at iam.tf: resource.google_cloud_run_service_iam_member.public.member',
    ]);
  });

  it('reports the state bucket made public, by a grant or by the status page pointing at it', async () => {
    const granted = await parseModule(
      mutate(
        'iam.tf',
        (t) =>
          t +
          `
resource "google_storage_bucket_iam_member" "oops" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectViewer"
  member = "allAuthenticatedUsers"
}
`,
      ),
    );
    expect(checkBucketPrivate(granted, 'state')).toEqual([
      'google_storage_bucket_iam_member.oops makes google_storage_bucket.state public',
    ]);
    expect(checkNoPublicAccess(granted, [STATUS_PUBLIC])).toEqual([
      'public principal allAuthenticatedUsers at iam.tf: resource.google_storage_bucket_iam_member.oops.member',
    ]);
    const pointed = await parseModule(
      mutate('status.tf', (t) =>
        t.replace(
          'bucket = google_storage_bucket.status[0].name\n  role   = "roles/storage.objectViewer"',
          'bucket = google_storage_bucket.state.name\n  role   = "roles/storage.objectViewer"',
        ),
      ),
    );
    expect(checkBucketPrivate(pointed, 'state')).toEqual([
      'google_storage_bucket_iam_member.status_public makes google_storage_bucket.state public',
    ]);
    const unenforced = await parseModule(mutate('storage.tf', (t) => t.replace('"enforced"', '"inherited"')));
    expect(checkBucketPrivate(unenforced, 'state')).toEqual(['google_storage_bucket.state does not enforce public access prevention']);
  });

  it('reports an entry point that no function serves', async () => {
    const broken = await parseModule(mutate('locals.tf', (t) => t.replace(/^\s*launchProbe\s+= \{.*\}\n/m, '\n')));
    expect(checkEntryPoints(broken, targets)).toEqual(['entry point launchProbe has no google_cloudfunctions2_function']);
  });

  it('reports undeclared variables and variables without a description or type', async () => {
    const broken = await parseModule(
      mutate('variables.tf', (t) =>
        t
          .replace(/(variable "region" \{\n)\s*description = .*\n/, '$1')
          .replace(/(variable "runtime" \{\n(?:.*\n)*?)\s*type\s+= string\n/, '$1'),
      ).map((s) => (s.path === 'outputs.tf' ? { ...s, text: s.text + '\noutput "x" {\n  value = var.not_declared\n}\n' } : s)),
    );
    expect(checkVariables(broken).sort()).toEqual([
      'var.not_declared is used (outputs.tf: output.x.value) but not declared',
      'variable "region" has no description',
      'variable "runtime" has no type',
    ]);
    expect(checkOutputs(broken)).toEqual(['output "x" has no description']);
  });

  it('reports a webhook URL, a password in a URL and a secret version resource', async () => {
    const broken = await parseModule(
      mutate(
        'secrets.tf',
        (t) =>
          t +
          `
resource "google_secret_manager_secret_version" "webhook" {
  secret      = google_secret_manager_secret.this["slack-webhook-url"].id
  secret_data = "https://hooks.slack.com/services/T0000/B0000/abcdefabcdef"
}

locals {
  smtp = "smtps://alerts:hunter2@smtp.example.org:465"
}
`,
      ),
    );
    const violations = checkNoSecretValues(broken);
    expect(violations).toContain('a Slack webhook URL at secrets.tf: resource.google_secret_manager_secret_version.webhook.secret_data');
    expect(violations).toContain(
      'literal value for secret_data at secrets.tf: resource.google_secret_manager_secret_version.webhook.secret_data',
    );
    expect(violations).toContain('a URL with a password at secrets.tf: locals.smtp');
    expect(violations).toContain('google_secret_manager_secret_version.webhook would store a secret value in Terraform state');
  });

  it('reports a project role beyond the three the runtime needs', async () => {
    const broken = await parseModule(
      mutate('iam.tf', (t) => t.replace('"roles/monitoring.viewer",', '"roles/monitoring.viewer",\n    "roles/editor",')),
    );
    expect(checkProjectRoles(broken, RUNTIME_ROLES)).toEqual(['google_project_iam_member.runtime grants roles/editor on the project']);
  });

  it('rejects a file with an HCL syntax error', async () => {
    await expect(parseModule(mutate('functions.tf', (t) => t.replace(/entry_point\s+= each.key/, 'entry_point = ')))).rejects.toThrow(
      /functions\.tf/,
    );
  });
});

// The terraform binary, where the machine has one: `terraform fmt` parses with
// Terraform's own HCL front end. `terraform validate` would need the google
// provider, which cannot be downloaded here.
// Terraform is not in Debian's archive: this machine image brings it; elsewhere the run's skip line says so.
const terraform =
  spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0 || (skippingFor(['terraform'], TERRAFORM_INSTALL), false);

describe.skipIf(!terraform)('terraform fmt', () => {
  const fmtCheck = (dir: string) => spawnSync('terraform', ['fmt', '-check', '-recursive', dir], { encoding: 'utf8' });

  it('finds the module and the example formatted and syntactically valid', () => {
    const result = fmtCheck(MODULE_DIR);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails on a copy with a syntax error and names a badly formatted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-tf-'));
    try {
      cpSync(MODULE_DIR, dir, { recursive: true });
      writeFileSync(
        join(dir, 'outputs.tf'),
        readFileSync(join(dir, 'outputs.tf'), 'utf8').replace('output "state_bucket" {', 'output "state_bucket" {{'),
      );
      expect(fmtCheck(dir).status).not.toBe(0);
      cpSync(join(MODULE_DIR, 'outputs.tf'), join(dir, 'outputs.tf'));
      writeFileSync(
        join(dir, 'iam.tf'),
        readFileSync(join(dir, 'iam.tf'), 'utf8').replace('  bucket = google_storage', '  bucket     =    google_storage'),
      );
      const misformatted = fmtCheck(dir);
      expect(misformatted.status).not.toBe(0);
      expect(misformatted.stdout).toContain('iam.tf');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!terraform)('terraform console over the module inputs', () => {
  const required = { project_id: 'binder-prod', watchdog_email: 'oncall@example.org' };
  const evaluate = (vars: Record<string, unknown>, expression: string) => terraformEval(MODULE_DIR, { ...required, ...vars }, expression);

  it('deploys nodejs22 by default and refuses nodejs20, saying why', () => {
    expect(evaluate({}, 'var.runtime')).toEqual({ value: 'nodejs22' });
    const refused = evaluate({ runtime: 'nodejs20' }, 'var.runtime');
    expect(refused.error).toContain('decommissioned');
    expect(refused.error).toContain('2026-10-30');
    expect(evaluate({ runtime: 'nodejs24' }, 'var.runtime').error).toContain('google-cloud-node#8670');
  });

  it('makes a secret, with its own accessor grant, for every variable the config names and every secret_env entry', () => {
    const config = [
      'checks:',
      '  launchProbe:',
      '    targets:',
      '      - { binderUrl: "https://mybinder.org", repos: [], hubApiTokenEnv: HUB_TOKEN_MYBINDER }',
      '      - { binderUrl: "https://gke.mybinder.org", repos: [] }',
      'sources:',
      '  prometheus: { url: "https://prometheus.mybinder.org", auth: basic, username: bw, passwordEnv: PROM_PASSWORD }',
    ].join('\n');
    const { value } = evaluate(
      { config_yaml: config, email: { from: 'bw@example.org', to: ['ops@example.org'] }, secret_env: { GRAFANA_TOKEN: 'grafana-token' } },
      'local.secrets',
    );
    expect(value).toEqual({
      'slack-webhook-url': { env: 'BINDERWATCH_SLACK_WEBHOOK_URL', secret_id: 'binderwatch-slack-webhook-url' },
      'smtp-url': { env: 'BINDERWATCH_SMTP_URL', secret_id: 'binderwatch-smtp-url' },
      'hub-token-mybinder': { env: 'HUB_TOKEN_MYBINDER', secret_id: 'binderwatch-hub-token-mybinder' },
      'prom-password': { env: 'PROM_PASSWORD', secret_id: 'binderwatch-prom-password' },
      'grafana-token': { env: 'GRAFANA_TOKEN', secret_id: 'binderwatch-grafana-token' },
    });
    const bearer = evaluate(
      { config_yaml: 'sources: { prometheus: { url: "https://p.example.org", auth: bearer } }', slack: null },
      'keys(local.secrets)',
    );
    expect(bearer.value).toEqual(['prometheus-token']);
    expect(evaluate({ secret_env: { 'hub-token': 'x' } }, 'local.secrets').error).toContain('environment variable names');
  });

  it('makes secrets for the PagerDuty routing key and the webhook URL when asked, and refuses an http:// PagerDuty URL', () => {
    const inputs = { pagerduty: { url: 'https://events.eu.pagerduty.com/v2/enqueue' }, webhook: true, slack: null };
    expect(evaluate(inputs, 'local.secrets').value).toEqual({
      'pagerduty-routing-key': { env: 'BINDERWATCH_PAGERDUTY_ROUTING_KEY', secret_id: 'binderwatch-pagerduty-routing-key' },
      'webhook-url': { env: 'BINDERWATCH_WEBHOOK_URL', secret_id: 'binderwatch-webhook-url' },
    });
    expect(evaluate({ pagerduty: {}, slack: null }, 'keys(local.secrets)').value).toEqual(['pagerduty-routing-key']);
    expect(evaluate({}, 'keys(local.secrets)').value).toEqual(['slack-webhook-url']);
    expect(evaluate({ pagerduty: { url: 'http://events.example.org/v2/enqueue' } }, 'var.pagerduty').error).toContain('https://');
  });

  it('feeds each secret to its variable and grants the runtime account each secret alone', async () => {
    const { resources } = await parseModule(sources);
    const fn = JSON.stringify(resources.google_cloudfunctions2_function?.check);
    expect(fn).toContain('"for_each":"${local.secrets}"');
    expect(fn).toContain('${secret_environment_variables.value.env}');
    expect(resources.google_secret_manager_secret?.this).toMatchObject({ for_each: '${local.secrets}' });
    expect(resources.google_secret_manager_secret_iam_member?.runtime).toMatchObject({ secret_id: '${each.value.secret_id}' });
  });

  it('deploys the statusPage function only with status_page, on its schedule (every 5 minutes by default)', () => {
    expect(evaluate({}, 'keys(local.functions)').value).not.toContain('statusPage');
    expect(evaluate({}, 'local.status_functions').value).toEqual({});
    const on = evaluate({ status_page: { bucket: 'binder-status' } }, 'local.functions');
    expect(Object.keys(on.value as object)).toEqual([...Object.keys(evaluate({}, 'local.functions').value as object), 'statusPage'].sort());
    expect((on.value as Record<string, unknown>).statusPage).toEqual({
      slug: 'status-page',
      function_name: 'binderwatch-status-page',
      enabled: true,
      schedule: '*/5 * * * *',
      memory: '256Mi',
      timeout_seconds: 120,
    });
    const hourly = evaluate({ status_page: { bucket: 'binder-status', schedule: '0 * * * *' } }, 'local.functions.statusPage.schedule');
    expect(hourly.value).toBe('0 * * * *');
    expect(evaluate({ status_page: { bucket: 'Not A Bucket' } }, 'var.status_page').error).toContain('status_page.bucket must be');
  });

  it('puts the deployed schedule and enabled flag of each check into the config the function reads', () => {
    const { value } = evaluate(
      {
        config_yaml: 'checks: { nodeHeadroom: { schedule: "*/10 * * * *", pools: [] }, clusterHealth: { enabled: false } }',
        checks: { nodeHeadroom: { schedule: '*/3 * * * *' }, binderHealth: { enabled: false } },
      },
      'local.config_checks',
    );
    const checks = value as Record<string, { schedule: string; enabled: boolean }>;
    expect(checks.nodeHeadroom).toEqual({ schedule: '*/3 * * * *', enabled: true, pools: [] });
    expect(checks.binderHealth).toMatchObject({ enabled: false });
    expect(checks.clusterHealth).toMatchObject({ enabled: false, schedule: '*/5 * * * *' });
    expect(checks.launchProbe).toMatchObject({ enabled: true, schedule: '*/10 * * * *' });
    // And that is what the function is given.
    expect(readFileSync(join(MODULE_DIR, 'main.tf'), 'utf8')).toMatch(
      /effective_config = merge\(local\.config, \{\s*checks\s*=\s*local\.config_checks/,
    );
  });
});
