// What every CLI command writes to and reads from; tests pass their own.
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stdout is a terminal (progress lines, colours). */
  isTTY: boolean;
  /** Whether stderr is a terminal: human log lines there, JSON lines otherwise. */
  stderrIsTTY?: boolean;
  env: Record<string, string | undefined>;
}
