import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, issuePath, type ConfigIssue } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

/**
 * Fields that once were part of the config and why they went: a config written for an
 * older binderwatch is told what to delete, not just that a field is unknown.
 */
const REMOVED_FIELDS: Record<string, string> = {
  'checks.clusterHealth.userNamespaces': 'was removed: it never had an effect (a bare pod is a user server in any namespace); delete it',
};

/** Validates a parsed config object; throws ConfigError naming every bad field. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((i): ConfigIssue[] => {
    const path = issuePath(i.path);
    if (i.code !== 'unrecognized_keys') return [{ path, message: i.message }];
    const removed = (key: string) => REMOVED_FIELDS[path ? `${path}.${key}` : key];
    const unknown = i.keys.filter((k) => removed(k) === undefined);
    return [
      ...i.keys.filter((k) => removed(k) !== undefined).map((k) => ({ path: issuePath([...i.path, k]), message: removed(k)! })),
      ...(unknown.length ? [{ path, message: `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}` }] : []),
    ];
  });
  throw new ConfigError(issues, source);
}

/** A config is a page of settings; anything this large is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases resolved per file; the `yaml` package counts expanded nodes, so a "billion laughs" stops here. */
const MAX_ALIAS_COUNT = 100;

export function parseConfigYaml(text: string, source = 'config'): Config {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      [{ path: '', message: `larger than ${MAX_CONFIG_BYTES / 1024} KiB; a config file is a page of settings` }],
      source,
    );
  }
  let raw: unknown;
  try {
    // logLevel 'error': unknown tags become issues below, not warnings printed behind our back.
    raw = parseYaml(text, { maxAliasCount: MAX_ALIAS_COUNT, logLevel: 'error' });
  } catch (e) {
    throw new ConfigError([yamlIssue(e)], source);
  }
  return parseConfig(raw, source);
}

/** Any failure to read the YAML as one line: syntax errors name their line, alias bombs say what they are. */
function yamlIssue(e: unknown): ConfigIssue {
  const firstLine = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (e instanceof YAMLParseError) {
    const line = e.linePos?.[0]?.line;
    return { path: line ? `line ${line}` : '', message: firstLine.replace(/ at line \d+, column \d+:?$/, '') };
  }
  if (/alias count/i.test(firstLine)) {
    return { path: '', message: `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes (an "alias bomb"); refused` };
  }
  return { path: '', message: `not readable as YAML: ${firstLine}` };
}

export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '', message: `cannot read: ${(e as Error).message}` }], path);
  }
  return parseConfigYaml(text, path);
}

/** JSON Schema for editors (yaml-language-server). */
export function configJsonSchema(): object {
  return { title: 'binderwatch config', ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) };
}
