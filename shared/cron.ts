// The five-field cron subset Cloud Scheduler schedules use ("*/2 * * * *",
// "0,30 6-22 * * 1-5"), evaluated in UTC, so the replay runs each check when the
// deployed scheduler would.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

export interface Cron {
  matches(epochMs: number): boolean;
  /** The first matching minute strictly after `epochMs`. */
  next(epochMs: number): number;
}

function parseField(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad ${f.name} field "${text}"`);
    const lo = m[1] === '*' ? f.min : Number(m[2]);
    const hi = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] ? f.max : lo;
    const step = m[4] ? Number(m[4]) : 1;
    if (lo < f.min || hi > f.max || lo > hi || step < 1) throw new Error(`${f.name} "${part}" is out of range ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += step) out.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 cron fields like "*/5 * * * *", got "${expr}"`);
  const [min, hour, dom, mon, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  const matches = (t: number): boolean => {
    const d = new Date(t);
    if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) return false;
    // Classic cron: when both day fields are restricted, either may match.
    const domOk = dom.has(d.getUTCDate());
    const dowOk = dow.has(d.getUTCDay());
    return domAny || dowAny ? domOk && dowOk : domOk || dowOk;
  };
  return {
    matches,
    next(t) {
      let m = Math.floor(t / 60_000) * 60_000 + 60_000;
      for (let i = 0; i < 366 * 24 * 60; i++, m += 60_000) if (matches(m)) return m;
      throw new Error(`cron "${expr}" never matches`);
    },
  };
}
