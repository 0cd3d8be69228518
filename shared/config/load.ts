import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

function issuePath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + String(p))).join('');
}

/** Validates a parsed config object; throws ConfigError naming every bad field. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((i) => ({
    path: issuePath(i.path),
    message: i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message,
  }));
  throw new ConfigError(issues, source);
}

export function parseConfigYaml(text: string, source = 'config'): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0]?.line;
      throw new ConfigError([{ path: line ? `line ${line}` : '', message: e.message.split('\n')[0] }], source);
    }
    throw e;
  }
  return parseConfig(raw, source);
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
