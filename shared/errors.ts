// One typed error hierarchy. Messages never carry secret values: adapters redact
// URLs and tokens before they build an error (see redact.ts).

export class BinderwatchError extends Error {
  /** What to try, printed under the error by the CLI; the message itself stays the cause. */
  hint?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A zod issue path as people write it: `checks.launchProbe.targets[0].repos[1]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + String(p))).join('');
}

/** Control characters (from a hand-made or hostile file) shown as escapes, so an error stays one harmless line. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface ConfigIssue {
  path: string; // e.g. checks.trafficVsPods.window
  message: string;
}

/** Problems listed in a ConfigError's message; a file wrong everywhere is fixed from the top. */
const MAX_CONFIG_ISSUES_SHOWN = 50;

/** The config file is invalid; `issues` names each bad field. */
export class ConfigError extends BinderwatchError {
  constructor(
    public readonly issues: ConfigIssue[],
    source = 'config',
  ) {
    // One problem, one line (scripts and CI logs read it whole); several, one line each.
    const line = (i: ConfigIssue) => printable(i.path ? `${i.path}: ${i.message}` : i.message);
    const shown = issues.slice(0, MAX_CONFIG_ISSUES_SHOWN).map((i) => `  ${line(i)}`);
    if (issues.length > shown.length) shown.push(`  … and ${issues.length - shown.length} more`);
    super(issues.length === 1 ? `${printable(source)}: ${line(issues[0])}` : `${printable(source)} is invalid:\n` + shown.join('\n'));
  }
}

/** A scenario or truth file is invalid; names the line. */
export class ScenarioError extends BinderwatchError {
  constructor(
    message: string,
    public readonly line?: number,
    file = 'scenario',
  ) {
    super(printable(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`));
  }
}

/** 429 and 5xx may pass on their own; any other 4xx will fail the same way again. */
export function httpRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** An upstream (BinderHub, Prometheus, GA, GKE, Kubernetes …) could not be read. */
export class UpstreamError extends BinderwatchError {
  constructor(
    public readonly upstream: string,
    message: string,
    public readonly status?: number,
    public readonly retryable = status === undefined || httpRetryable(status),
    options?: { cause?: unknown },
  ) {
    super(`${upstream}: ${message}`, options);
  }
}

/** A notification channel refused or failed a delivery. */
export class NotifyError extends BinderwatchError {
  constructor(
    public readonly channel: string,
    message: string,
    public readonly retryable: boolean,
    public readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(`${channel}: ${message}`, options);
  }
}

/** Another writer changed the state first (compare-and-swap lost). */
export class ConflictError extends BinderwatchError {
  constructor(public readonly key: string) {
    super(`state ${key} was changed by another run`);
  }
}
