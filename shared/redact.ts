// Secrets are redacted where they enter, so no log line or alert can carry them.

const secrets = new Set<string>();

/** Registers a secret value (webhook URL, password, token) to be masked everywhere. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Masks registered secrets, URL credentials and token-looking query or header values. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@')
    .replace(/(hooks\.slack\.com\/services\/)[^\s"']+/gi, '$1[redacted]')
    .replace(/((?:token|password|secret|authorization)["']?\s*[=:]\s*["']?(?:token |bearer |basic )?)[^\s"'&,}]+/gi, '$1[redacted]');
}

/** Only the origin of a URL, for messages about it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '[invalid url]';
  }
}
