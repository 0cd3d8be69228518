import { describe, it, expect } from 'vitest';
import { EXAMPLE_ASSUMPTIONS, PRICES, defaultUsage, defaultVcpu, monthlyCost, runsPerMonth, type CheckUsage } from '../../bench/cost.ts';

const none = { coldStartsPerHour: 0, startupSeconds: 0, secrets: 0, stateReadsPerRun: 0, stateWritesPerRun: 0 };
const line = (r: ReturnType<typeof monthlyCost>, item: string) => r.lines.find((l) => l.item === item)?.dollars;

describe('monthly cost', () => {
  it('counts scheduler firings in a 30-day month', () => {
    expect(runsPerMonth('*/2 * * * *')).toBe(21_600);
    expect(runsPerMonth('*/10 * * * *')).toBe(4_320);
    expect(runsPerMonth('0 9 * * *')).toBe(30);
  });

  it('maps memory to the vCPU Cloud Run functions allocate', () => {
    expect(defaultVcpu(256)).toBe(0.167);
    expect(defaultVcpu(512)).toBe(0.333);
    expect(defaultVcpu(1024)).toBe(0.583);
  });

  it('bills CPU, memory and requests at list price, durations rounded up to 100 ms', () => {
    const usage: CheckUsage[] = [{ check: 'binderHealth', schedule: '0 * * * *', memoryMiB: 512, meanSeconds: 1.01 }];
    const r = monthlyCost(usage, { ...none, freeTier: false });
    const seconds = 720 * 1.1;
    expect(line(r, 'functions CPU')).toBeCloseTo(seconds * 0.333 * PRICES.run.perVcpuSecond, 10);
    expect(line(r, 'functions memory')).toBeCloseTo(seconds * 0.5 * PRICES.run.perGibSecond, 10);
    expect(line(r, 'functions requests')).toBeCloseTo((720 / 1e6) * 0.4, 10);
    expect(line(r, 'scheduler jobs')).toBeCloseTo(0.1, 10);
  });

  it('charges nothing inside the free tiers and only the excess beyond them', () => {
    const small: CheckUsage[] = [{ check: 'binderHealth', schedule: '*/2 * * * *', memoryMiB: 256, meanSeconds: 1 }];
    expect(monthlyCost(small, { ...none, freeTier: true }).total).toBe(0);
    const jobs = (['launchProbe', 'binderHealth', 'trafficVsPods', 'nodeHeadroom', 'clusterHealth'] as const).map((check) => ({
      ...small[0],
      check,
    }));
    expect(line(monthlyCost(jobs, { ...none, freeTier: true }), 'scheduler jobs')).toBeCloseTo(0.2, 10);
  });

  it('prices the default deployment under $2 a month within the free tiers', async () => {
    const usage = await defaultUsage();
    expect(usage.map((u) => u.schedule)).toEqual(['*/10 * * * *', '*/2 * * * *', '* * * * *', '*/5 * * * *', '*/5 * * * *']);
    const free = monthlyCost(usage, { ...EXAMPLE_ASSUMPTIONS, freeTier: true });
    const paid = monthlyCost(usage, { ...EXAMPLE_ASSUMPTIONS, freeTier: false });
    expect(free.total).toBeLessThan(2);
    expect(paid.total).toBeGreaterThan(free.total);
  });
});
