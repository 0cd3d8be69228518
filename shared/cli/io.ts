// What every CLI command writes to and reads from; tests pass their own.
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
  env: Record<string, string | undefined>;
}
