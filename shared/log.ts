// Structured JSON logs with Cloud Logging's `severity`, one object per line.
import { redact } from './redact.ts';

export type LogSeverity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export interface Logger {
  log(severity: LogSeverity, message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  return {
    log(severity, message, fields) {
      const entry = { severity, message, time: new Date().toISOString(), ...fields };
      write(redact(JSON.stringify(entry, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v))));
    },
  };
}

export const silentLogger: Logger = { log() {} };
