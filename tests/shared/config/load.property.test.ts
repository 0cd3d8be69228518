// Property tests of the config loader: whatever the file holds, the answer is a config
// that means what it says, or a ConfigError naming fields in one line each — never
// another exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig, parseConfigYaml } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { CHECK_NAMES } from '../../../shared/model.ts';
import { ruleFor } from '../../../shared/pipeline/run-check.ts';
import { checkReader } from '../../helpers/property.ts';

const RUNS = 5_000;
/** Thousands of runs on two shared cores: a generous bound, so load never fails a property that holds. */
const SLOW = 300_000;
const ROUND_TRIPS = 1_000;

/** A refusal reads as lines of "field: reason", without control characters or a stack. */
function assertReadable(e: ConfigError): void {
  assert.ok(e.issues.length > 0);
  const lines = e.message.split('\n');
  assert.equal(lines.length, e.issues.length === 1 ? 1 : Math.min(e.issues.length, 50) + (e.issues.length > 50 ? 2 : 1));
  for (const line of lines) {
    assert.notEqual(line.trim(), '');
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f]/);
    assert.doesNotMatch(line, /^\s+at /);
  }
}

// Values chosen near every edge the schema draws, mixed with plain wrong ones.
const duration = fc.oneof(
  fc.constantFrom(
    '0s',
    '0m',
    '1ms',
    '30s',
    '59s',
    '1m',
    '5m',
    '1h',
    '1h1m',
    '2h',
    '3h',
    '1d',
    '366d',
    '367d',
    '99999999999999999999d',
    '20',
    '20 minutes',
    '',
  ),
  fc.tuple(fc.nat(100_000), fc.constantFrom('ms', 's', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`),
  fc.integer(),
);
const fraction = fc.oneof(fc.double({ min: -0.5, max: 1.5 }), fc.constantFrom(0, 0.5, 0.8, 0.93, 1, '0.8'));
const count = fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom(1.5, '3'));
const cronField = (lo: number, hi: number, names: string[] = []) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min: lo, max: hi + 1 }).map(String),
    fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(([a, b]) => `${a}-${b}`),
    fc.integer({ min: 0, max: 7 }).map((n) => `*/${n}`),
    ...(names.length
      ? [fc.constantFrom(...names), fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)).map(([a, b]) => `${a}-${b}`)]
      : []),
    fc.array(fc.integer({ min: lo, max: hi }), { minLength: 2, maxLength: 3 }).map((xs) => xs.join(',')),
  );
const MONTHS = ['JAN', 'feb', 'Mar', 'APR', 'JUN', 'DEC', 'JANUARY'];
const DAYS = ['SUN', 'mon', 'Fri', 'SAT', 'MONDAY'];
const schedule = fc.oneof(
  fc.tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12, MONTHS), cronField(0, 7, DAYS)).map((f) => f.join(' ')),
  fc.constantFrom('* * 31 2 *', '0 0 29 2 *', '0 0 30 FEB *', '0 0 31 2 MON', '*/5 * * * *', '* * * *', 'every minute'),
);
const timeZone = fc.constantFrom(
  'UTC',
  'Europe/Berlin',
  'America/Los_Angeles',
  'Mars/Olympus',
  '',
  'Etc/GMT+5',
  'utc',
  'Not/AZone',
  'Asia/Kolkata',
);
const url = fc.constantFrom(
  'https://mybinder.org',
  'http://127.0.0.1:8080/',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'mybinder.org',
  'ftp://x',
  'https://',
  'HTTPS://A.ORG/x',
);
const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '%2e%2E', '%2e', 'org', 'repo', 'HEAD', '%', 'a%2Fb'),
  fc.stringMatching(/^[a-z0-9._-]{1,8}$/),
);
const spec = fc.oneof(
  fc
    .tuple(fc.constantFrom('gh', 'gl', 'git', 'GH', ''), fc.array(segment, { minLength: 0, maxLength: 4 }))
    .map(([p, s]) => [p, ...s].join('/')),
  fc.string(),
);
const rule = fc.record(
  {
    failuresToFire: count,
    ofLastRuns: count,
    pendingFor: duration,
    successesToResolve: count,
    unknownToFire: count,
    repeatInterval: duration,
  },
  { requiredKeys: [] },
);
const configLike = fc.record(
  {
    displayTimeZone: timeZone,
    checks: fc.record(
      {
        launchProbe: fc.record(
          {
            schedule,
            timeout: duration,
            idleTimeout: duration,
            contactTimeout: duration,
            alert: rule,
            targets: fc.array(
              fc.record({ binderUrl: url, repos: fc.array(spec, { maxLength: 3 }), hubUrl: url }, { requiredKeys: ['binderUrl', 'repos'] }),
              { maxLength: 2 },
            ),
          },
          { requiredKeys: [] },
        ),
        binderHealth: fc.record(
          { schedule, timeout: duration, binderUrls: fc.array(url, { maxLength: 2 }), quotaWarnAt: fraction, alert: rule },
          { requiredKeys: [] },
        ),
        trafficVsPods: fc.record(
          {
            schedule,
            window: duration,
            baseline: duration,
            maxDemandGap: duration,
            sessionLength: fc.record({ min: duration, max: duration }, { requiredKeys: [] }),
            alert: rule,
          },
          { requiredKeys: [] },
        ),
        nodeHeadroom: fc.record(
          { schedule, warnAt: fraction, criticalAt: fraction, forecastWindow: duration, alert: rule },
          { requiredKeys: [] },
        ),
        clusterHealth: fc.record(
          { schedule, infraCrashLoopFor: duration, pendingFor: duration, cullerMaxAge: duration, alert: rule },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    alerting: fc.record({ defaults: rule, links: fc.record({ dashboard: url, hub: url }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const MIN = 60_000;

/** What an accepted config promises; every line is a refusal the loader must have made otherwise. */
function assertMeaningful(c: Config): void {
  const { nodeHeadroom, trafficVsPods, launchProbe, binderHealth, clusterHealth } = c.checks;
  assert.ok(nodeHeadroom.criticalAt >= nodeHeadroom.warnAt, 'criticalAt ≥ warnAt');
  assert.ok(trafficVsPods.sessionLength.min < trafficVsPods.sessionLength.max, 'sessionLength min < max');
  for (const d of [
    trafficVsPods.window,
    trafficVsPods.baseline,
    trafficVsPods.maxDemandGap,
    nodeHeadroom.forecastWindow,
    clusterHealth.cullerMaxAge,
  ]) {
    assert.ok(d > 0 && d <= 366 * 24 * 60 * MIN, `window ${d}`);
  }
  for (const d of [launchProbe.timeout, launchProbe.idleTimeout, launchProbe.contactTimeout, binderHealth.timeout]) {
    assert.ok(d > 0 && d <= 60 * MIN, `timeout ${d}`);
  }
  for (const check of CHECK_NAMES) {
    const r = ruleFor(c, check);
    if (r.ofLastRuns !== undefined) assert.ok(r.failuresToFire <= r.ofLastRuns, `${check}: failuresToFire ≤ ofLastRuns`);
    assert.ok(r.repeatInterval >= MIN, `${check}: repeatInterval ≥ 1m`);
    // Fires within a year of any moment.
    const from = Date.UTC(2018, 0, 18);
    assert.ok(c.checks[check].schedule.next(from) <= from + 367 * 24 * 60 * MIN);
  }
  assert.doesNotThrow(() => new Intl.DateTimeFormat('en-US', { timeZone: c.displayTimeZone }));
  for (const t of launchProbe.targets) {
    for (const u of [t.binderUrl, t.hubUrl ?? 'https://x']) assert.match(new URL(u).protocol, /^https?:$/);
    for (const repo of t.repos)
      for (const s of repo.split('/')) assert.ok(!['', '.', '..'].includes(decodeURIComponentSafe(s)), `spec ${repo}`);
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('the config loader, over generated input', () => {
  it(
    `accepts only configs that mean what they say, and refuses the rest naming fields (${RUNS} config-shaped objects)`,
    () => {
      const accepted = checkReader(
        configLike,
        {
          read: (raw) => parseConfig(raw),
          error: ConfigError,
          kept: assertMeaningful,
          refused: (e) => {
            assertReadable(e);
            for (const i of e.issues) assert.match(i.path, /^(displayTimeZone|checks|alerting)\b/);
          },
        },
        RUNS,
      );
      // The generator reaches both sides, so neither half of the property is vacuous.
      expect(accepted).toBeGreaterThan(RUNS / 50);
      expect(accepted).toBeLessThan(RUNS);
    },
    SLOW,
  );

  // Fewer runs: writing and reading YAML costs most of a property run, and the loader's YAML side has its own ${RUNS} below.
  it(
    `reads the same config from YAML as from the object it was written from (${ROUND_TRIPS} files)`,
    () => {
      const load = (read: () => Config): Config | ConfigError => {
        try {
          return read();
        } catch (e) {
          if (e instanceof ConfigError) return e;
          throw e;
        }
      };
      fc.assert(
        fc.property(configLike, (raw) => {
          const fromObject = load(() => parseConfig(raw));
          const fromYaml = load(() => parseConfigYaml(stringify(raw)));
          if (fromObject instanceof ConfigError) assert.deepEqual((fromYaml as ConfigError).issues, fromObject.issues);
          else assert.deepEqual(fromYaml, fromObject);
        }),
        { numRuns: ROUND_TRIPS },
      );
    },
    SLOW,
  );

  it(
    `answers any text with a config or a readable ConfigError (${RUNS} damaged or arbitrary files)`,
    () => {
      const damaged = fc
        .tuple(
          configLike,
          fc.nat(),
          fc.constantFrom('', ':', '{', '[', '&a ', '*a', '!!binary ', '\t', '\u0000', '\u001b[2J', '"', '? ', '- ', '<<: *a', '\n  '),
        )
        .map(([raw, at, junk]) => {
          const text = stringify(raw);
          const i = text.length ? at % text.length : 0;
          return text.slice(0, i) + junk + text.slice(i);
        });
      const text = fc.oneof(damaged, fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 }));
      checkReader(
        text,
        { read: (t) => parseConfigYaml(t, 'c.yaml'), error: ConfigError, kept: assertMeaningful, refused: assertReadable },
        RUNS,
      );
    },
    SLOW,
  );
});
