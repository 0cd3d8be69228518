// The config problems a YAML text has, as "path: message" lines (none when it is valid).
import { parseConfigYaml } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';

export function configIssues(yaml: string): string[] {
  try {
    parseConfigYaml(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}
