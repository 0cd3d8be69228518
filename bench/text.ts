// Cutting upstream text for an alert or a log line (shared/text.ts fitText): the cost
// must not grow with the size of what an upstream sends, as a 1 MB error body reaches
// cleanText and a long runbook reaches Slack's escaping cut.
import { fitText } from '../shared/text.ts';
import type { BenchRow } from './replay.ts';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function perCall(text: string, escape?: (s: string) => string): string {
  const runs = 200;
  fitText(text, 300, '…', escape); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fitText(text, 300, '…', escape);
  return `${(((performance.now() - t0) / runs) * 1000).toFixed(0)} µs`;
}

export async function benchText(): Promise<BenchRow[]> {
  // Accents, emoji sequences and characters HTML escapes: the graphemes the cut must not split.
  const sample = (bytes: number) => 'héllo & <wörld> 👩‍👩‍👧 '.repeat(Math.ceil(bytes / 24)).slice(0, bytes);
  return [
    { name: 'cut 1 KB to 300 chars', value: perCall(sample(1024)) },
    { name: 'cut 1 MB to 300 chars', value: perCall(sample(1024 * 1024)) },
    { name: 'escape and cut 1 MB to 300 chars', value: perCall(sample(1024 * 1024), escapeHtml) },
  ];
}
