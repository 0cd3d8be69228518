// Structured JSON logs with Cloud Logging's `severity`, one object per line.
import { redactDeep } from './redact.ts';

export type LogSeverity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export interface Logger {
  log(severity: LogSeverity, message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  return {
    log(severity, message, fields) {
      // Redacted before serialising: a secret holding `"` or `\` is spelt differently once in JSON.
      const entry = redactDeep({ severity, message, time: new Date().toISOString(), ...fields });
      write(JSON.stringify(entry));
    },
  };
}

export const silentLogger: Logger = { log() {} };
