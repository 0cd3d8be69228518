// Where the browser tests put the pictures they make: .tmp/images (git-ignored) by
// default, so a test run never rewrites a tracked file; `npm run images` points them at
// docs/images to refresh the README's pictures on purpose.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function imagePath(name: string): string {
  const dir = resolve(process.env.BINDERWATCH_IMAGES_DIR ?? '.tmp/images');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
