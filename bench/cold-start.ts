// Cold start of each packaged function as it ships: the archive unpacked and
// installed as Cloud Functions does, the function started under Node 22 with every
// source it uses configured against loopback servers (so its client libraries
// load), timed from process start to the first answered Scheduler POST; and the
// module files each loads by then. Goal: median ≤ 1 s per function.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildPackage } from '../infra/package.ts';
import { schedulerPost, startFunction, stopFunction, unpackArchive } from '../infra/harnesses/function-runner.ts';
import { findNode22, NODE22_MISSING } from '../infra/harnesses/node22.ts';
import { CLUSTER_REF, POOL_REF, startGoogleSide, STATE_BUCKET } from '../infra/fakes/google-side.ts';
import { fixtureNode } from '../infra/fakes/kubernetes.ts';
import { startBinderHub } from '../infra/fakes/binderhub.ts';
import { startFakeSlack } from '../infra/fakes/slack.ts';
import { startSmtpServer } from '../infra/harnesses/smtp.ts';
import { startPrometheus } from '../infra/harnesses/prometheus.ts';
import type { BenchRow } from './replay.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 5;
const GOAL_MS = 1000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchColdStart(): Promise<BenchRow[]> {
  const node = findNode22();
  if (!node) throw new Error(NODE22_MISSING);
  const pkg = await buildPackage({ root: ROOT });
  const dir = unpackArchive(pkg.archive);
  const google = await startGoogleSide();
  const [binder, slack, smtp] = await Promise.all([
    startBinderHub({ podQuota: 100 }),
    startFakeSlack(),
    startSmtpServer('bw', 'bench-pass'),
  ]);
  const now = Date.now();
  const series = (name: string, v: number) => [
    `# TYPE ${name} gauge`,
    ...Array.from({ length: 180 }, (_, m) => `${name} ${v} ${(now - (179 - m) * 60_000) / 1000}`),
  ];
  const prometheus = await startPrometheus({
    openMetricsText: [...series('binder_launch_requests', 10), ...series('jupyterhub_running_servers', 430), '# EOF', ''].join('\n'),
  });
  google.kube.nodes = [fixtureNode('gke-prod-user-00', { pool: 'user' }), fixtureNode('gke-prod-user-01', { pool: 'user' })];
  const env = {
    ...google.env,
    BINDERWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl,
    BINDERWATCH_SMTP_URL: smtp.url,
    BINDERWATCH_EMAIL_FROM: 'binderwatch@example.org',
    BINDERWATCH_EMAIL_TO: 'oncall@example.org',
  };
  // Each function with what it reads in production; state in GCS, channels configured.
  const checks: Record<string, { checks: object; sources?: object }> = {
    launchProbe: { checks: { launchProbe: { targets: [{ binderUrl: binder.url, repos: ['gh/binderwatch-fault/build-failed/HEAD'] }] } } },
    binderHealth: { checks: { binderHealth: { binderUrls: [binder.url] } } },
    trafficVsPods: {
      checks: { trafficVsPods: { demand: { source: 'promql', query: 'sum(binder_launch_requests)' } } },
      sources: { prometheus: { url: prometheus.url } },
    },
    nodeHeadroom: { checks: { nodeHeadroom: { pools: [POOL_REF] } } },
    clusterHealth: { checks: { clusterHealth: { cluster: CLUSTER_REF } } },
  };

  const rows: BenchRow[] = [{ name: 'archive size', value: `${(pkg.archiveBytes / 1024).toFixed(0)} KiB` }];
  try {
    for (const b of pkg.bundles) {
      const setup = checks[b.target];
      if (!setup) throw new Error(`cold-start bench: no sources for ${b.target}`);
      const times: number[] = [];
      const cpu: number[] = [];
      let loaded = '';
      for (let i = 0; i < REPEATS; i++) {
        const config = JSON.stringify({
          ...setup,
          alerting: { state: { type: 'gcs', bucket: STATE_BUCKET, prefix: `bench-${b.target}-${i}/` } },
        });
        const t0 = performance.now();
        const f = await startFunction(dir, b.target, config, { node, env, countModules: true });
        const answer = await schedulerPost(f.port, b.target);
        times.push(performance.now() - t0);
        await stopFunction(f.child);
        if (answer.status !== 200) throw new Error(`${b.target} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        if (answer.body.findings?.some((x: { status: string }) => x.status === 'unknown')) {
          throw new Error(`${b.target} could not read its sources: ${JSON.stringify(answer.body)}`);
        }
        const m = /MODULES (\d+) (\d+) CPU (\d+)/.exec(f.output());
        if (!m) throw new Error(`${b.target}: no module count in its output`);
        loaded = `${m[1]} modules, ${(Number(m[2]) / 1024).toFixed(0)} KiB loaded`;
        cpu.push(Number(m[3]));
      }
      rows.push({
        name: `${b.target}: start → first response, sources configured (median of ${REPEATS})`,
        // CPU time (start to exit, so it includes the POST) is what a busy machine does not inflate.
        value: `${median(times).toFixed(0)} ms (goal ≤ ${GOAL_MS} ms), ${median(cpu)} ms CPU; ${loaded}`,
      });
    }
  } finally {
    await Promise.all([google.close(), binder.close(), slack.close(), smtp.close(), prometheus.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
