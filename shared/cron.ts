// The five-field unix-cron that Cloud Scheduler accepts ("*/2 * * * *",
// "0,30 6-22 * * MON-FRI", "0 9 1 JAN,JUL *"), evaluated in UTC, so the replay runs
// each check when the deployed scheduler would.
import { DAY_MS } from './time.ts';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
] as const;
type Field = (typeof FIELDS)[number];

// February counts as 28 days: a schedule that only fires on the 29th runs once in four years.
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Month and day names (JAN, mon …) as their numbers, case-insensitively. */
function numbersForNames(part: string, f: Field): string {
  return part.replace(/[a-z]+/gi, (word) => {
    const i = 'names' in f ? f.names.indexOf(word.toUpperCase()) : -1;
    if (i < 0) {
      const expected = 'names' in f ? ` (expected ${f.names[0]}-${f.names[f.names.length - 1]} or a number)` : '';
      throw new Error(`${f.name} "${part}": unknown name "${word}"${expected}`);
    }
    return String(i + f.min); // JAN is 1, SUN is 0
  });
}

function parseField(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(numbersForNames(part, f));
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
  if (parts.length !== 5) throw new Error('expected a 5-field cron schedule like "*/5 * * * *" (UTC)');
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  // Classic cron: when both day fields are restricted, either may match (and a weekday always comes).
  // Otherwise only the day of month can rule out a whole year: "* * 31 2 *" never runs.
  if (dowAny && ![...month].some((m) => [...dom].some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    throw new Error(`"${expr}" never fires: no month in "${parts[3]}" has a day "${parts[2]}" every year`);
  }
  return new Cron(expr, { minute, hour, dom, month, dow, domAny, dowAny });
}

interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** Whether the day-of-month or day-of-week field is "*" (classic cron's either-or rule). */
  domAny: boolean;
  dowAny: boolean;
}

/** A parsed schedule; plain data with methods, so a Config holding one compares and prints like its other values. */
export class Cron {
  /** Built by parseCron, which checked the schedule. */
  constructor(
    /** The schedule as written, e.g. "0 9 * * MON-FRI". */
    readonly expr: string,
    private readonly fields: CronFields,
  ) {}

  private dayMatches(d: Date): boolean {
    const f = this.fields;
    if (!f.month.has(d.getUTCMonth() + 1)) return false;
    const domOk = f.dom.has(d.getUTCDate());
    const dowOk = f.dow.has(d.getUTCDay());
    return f.domAny || f.dowAny ? domOk && dowOk : domOk || dowOk;
  }

  matches(epochMs: number): boolean {
    const d = new Date(epochMs);
    return this.fields.minute.has(d.getUTCMinutes()) && this.fields.hour.has(d.getUTCHours()) && this.dayMatches(d);
  }

  /** The first matching minute strictly after `epochMs`. */
  next(epochMs: number): number {
    // Within a leap year plus a day: parseCron refused every schedule that does not fire in it.
    // Days that cannot match are skipped whole, so a yearly schedule costs a year of days, not of minutes.
    let m = Math.floor(epochMs / 60_000) * 60_000 + 60_000;
    const limit = m + 367 * DAY_MS;
    while (m < limit) {
      if (!this.dayMatches(new Date(m))) m = (Math.floor(m / DAY_MS) + 1) * DAY_MS;
      else if (this.matches(m)) return m;
      else m += 60_000;
    }
    throw new Error(`cron "${this.expr}" never matches`);
  }
}
