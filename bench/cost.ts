// Monthly Google Cloud cost of a binderwatch deployment: the default schedules
// (from the config schema), the memory each function gets (from the Terraform
// module's defaults), assumed run durations, and published list prices.
import { readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { configSchema } from '../shared/config/schema.ts';
import { parseCron } from '../shared/cron.ts';
import type { CheckName } from '../shared/model.ts';

/**
 * List prices in USD, Tier 1 regions (us-central1), read 2026-11-26 from
 * cloud.google.com/run/pricing (Cloud Run functions are billed as Cloud Run
 * services with request-based billing, rounded up to 100 ms),
 * cloud.google.com/scheduler/pricing, cloud.google.com/secret-manager/pricing
 * and cloud.google.com/storage/pricing. Free tiers are per billing account.
 */
export const PRICES = {
  date: '2026-11-26',
  run: { perVcpuSecond: 0.000024, perGibSecond: 0.0000025, perMillionRequests: 0.4 },
  runFree: { vcpuSeconds: 180_000, gibSeconds: 360_000, requests: 2_000_000 },
  scheduler: { perJobMonth: 0.1, freeJobs: 3 },
  secrets: { perVersionMonth: 0.06, perTenThousandAccesses: 0.03, freeVersions: 6, freeAccesses: 10_000 },
  storage: { perThousandClassA: 0.005, perThousandClassB: 0.0004, freeClassA: 5_000, freeClassB: 50_000 },
} as const;
export type Prices = typeof PRICES;

/** vCPU Cloud Run functions allocate by default for a memory size (functions/docs/configuring/memory). */
export function defaultVcpu(memoryMiB: number): number {
  const tiers: [number, number][] = [
    [128, 0.083],
    [256, 0.167],
    [512, 0.333],
    [1024, 0.583],
    [2048, 1],
    [8192, 2],
    [16384, 4],
    [32768, 8],
  ];
  const tier = tiers.find(([mib]) => memoryMiB <= mib);
  if (!tier) throw new Error(`no Cloud Run functions tier for ${memoryMiB} MiB`);
  return tier[1];
}

export interface CheckUsage {
  check: CheckName;
  schedule: string;
  memoryMiB: number;
  /** Mean wall time of one run, seconds (billed rounded up to 100 ms). */
  meanSeconds: number;
}

export interface CostAssumptions {
  freeTier: boolean;
  /** Instance starts per function per hour; each bills `startupSeconds` and reads every secret once. */
  coldStartsPerHour: number;
  startupSeconds: number;
  secrets: number;
  /** Alert-state objects read and written per run (GCS class B and class A operations). */
  stateReadsPerRun: number;
  stateWritesPerRun: number;
}

export interface CostLine {
  item: string;
  usage: string;
  dollars: number;
}

const MONTH_MS = 30 * 24 * 3600 * 1000;

/** Scheduler firings in a 30-day month. */
export function runsPerMonth(schedule: string, from = Date.UTC(2026, 0, 1)): number {
  const cron = parseCron(schedule);
  let runs = 0;
  for (let t = cron.next(from - 1); t < from + MONTH_MS; t = cron.next(t)) runs++;
  return runs;
}

const billable = (used: number, free: number, freeTier: boolean) => Math.max(0, used - (freeTier ? free : 0));

/** Monthly cost by line item; pure. */
export function monthlyCost(usage: CheckUsage[], a: CostAssumptions, prices: Prices = PRICES): { total: number; lines: CostLine[] } {
  let vcpuSeconds = 0;
  let gibSeconds = 0;
  let requests = 0;
  let stateReads = 0;
  let stateWrites = 0;
  const startsPerFunction = a.coldStartsPerHour * 24 * 30;
  for (const u of usage) {
    const runs = runsPerMonth(u.schedule);
    const billedSeconds = runs * (Math.ceil(u.meanSeconds * 10) / 10) + startsPerFunction * a.startupSeconds;
    vcpuSeconds += billedSeconds * defaultVcpu(u.memoryMiB);
    gibSeconds += billedSeconds * (u.memoryMiB / 1024);
    requests += runs;
    stateReads += runs * a.stateReadsPerRun;
    stateWrites += runs * a.stateWritesPerRun;
  }
  const secretAccesses = startsPerFunction * usage.length * a.secrets;
  const f = a.freeTier;
  const lines: CostLine[] = [
    {
      item: 'functions CPU',
      usage: `${Math.round(vcpuSeconds)} vCPU-s`,
      dollars: billable(vcpuSeconds, prices.runFree.vcpuSeconds, f) * prices.run.perVcpuSecond,
    },
    {
      item: 'functions memory',
      usage: `${Math.round(gibSeconds)} GiB-s`,
      dollars: billable(gibSeconds, prices.runFree.gibSeconds, f) * prices.run.perGibSecond,
    },
    {
      item: 'functions requests',
      usage: `${requests} requests`,
      dollars: (billable(requests, prices.runFree.requests, f) / 1e6) * prices.run.perMillionRequests,
    },
    {
      item: 'scheduler jobs',
      usage: `${usage.length} jobs`,
      dollars: billable(usage.length, prices.scheduler.freeJobs, f) * prices.scheduler.perJobMonth,
    },
    {
      item: 'secret versions',
      usage: `${a.secrets} versions`,
      dollars: billable(a.secrets, prices.secrets.freeVersions, f) * prices.secrets.perVersionMonth,
    },
    {
      item: 'secret accesses',
      usage: `${secretAccesses} accesses`,
      dollars: (billable(secretAccesses, prices.secrets.freeAccesses, f) / 1e4) * prices.secrets.perTenThousandAccesses,
    },
    {
      item: 'state writes (class A)',
      usage: `${stateWrites} ops`,
      dollars: (billable(stateWrites, prices.storage.freeClassA, f) / 1e3) * prices.storage.perThousandClassA,
    },
    {
      item: 'state reads (class B)',
      usage: `${stateReads} ops`,
      dollars: (billable(stateReads, prices.storage.freeClassB, f) / 1e3) * prices.storage.perThousandClassB,
    },
  ];
  return { total: lines.reduce((sum, l) => sum + l.dollars, 0), lines };
}

/**
 * Mean run times assumed for the mybinder example (two hubs, three repos): a
 * launch probe round is six cached-image launches four at a time, two waves of
 * about a minute; the other checks make a few API calls each.
 */
export const EXAMPLE_SECONDS: Record<CheckName, number> = {
  launchProbe: 120,
  binderHealth: 1.5,
  trafficVsPods: 3,
  nodeHeadroom: 2.5,
  clusterHealth: 4,
};

export const EXAMPLE_ASSUMPTIONS: Omit<CostAssumptions, 'freeTier'> = {
  coldStartsPerHour: 1,
  startupSeconds: 3,
  secrets: 2, // Slack webhook URL, SMTP URL
  stateReadsPerRun: 2,
  stateWritesPerRun: 1,
};

const mib = (size: string): number => {
  const m = /^(\d+)(M|Mi|G|Gi)$/.exec(size);
  if (!m) throw new Error(`unexpected memory size ${size}`);
  const n = Number(m[1]);
  return m[2] === 'M' ? (n * 1e6) / 2 ** 20 : m[2] === 'Mi' ? n : m[2] === 'G' ? (n * 1e9) / 2 ** 20 : n * 1024;
};

/** Schedules from the config schema's defaults, memory from the Terraform module's defaults. */
export async function defaultUsage(seconds: Record<CheckName, number> = EXAMPLE_SECONDS): Promise<CheckUsage[]> {
  const checks = configSchema.parse({}).checks;
  const module = (await parse('locals.tf', readFileSync(new URL('../terraform/locals.tf', import.meta.url), 'utf8'))) as {
    locals: { check_defaults?: Record<string, { memory: string }> }[];
  };
  const memory = module.locals.find((l) => l.check_defaults)?.check_defaults;
  if (!memory) throw new Error('terraform/locals.tf has no check_defaults local');
  return (Object.keys(checks) as CheckName[]).map((check) => ({
    check,
    schedule: checks[check].schedule.expr,
    memoryMiB: mib(memory[check].memory),
    meanSeconds: seconds[check],
  }));
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export async function benchCost(): Promise<{ name: string; value: string }[]> {
  const usage = await defaultUsage();
  const withFree = monthlyCost(usage, { ...EXAMPLE_ASSUMPTIONS, freeTier: true });
  const withoutFree = monthlyCost(usage, { ...EXAMPLE_ASSUMPTIONS, freeTier: false });
  return [
    { name: 'cost.monthly (free tiers unused elsewhere)', value: usd(withFree.total) },
    { name: 'cost.monthly (no free tier)', value: usd(withoutFree.total) },
    ...withoutFree.lines.map((l) => ({ name: `cost.no-free-tier.${l.item}`, value: `${usd(l.dollars)} (${l.usage})` })),
    { name: 'cost.prices-as-of', value: PRICES.date },
  ];
}
