import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../shared/log.ts';
import {
  activeSecretCount,
  cleanText,
  redact,
  redactingStream,
  registerSecret,
  terminalSafe,
  withSecretScope,
} from '../../shared/redact.ts';

describe('the one redactor', () => {
  it('masks secrets of any length, the longest first, in one pass', () => {
    withSecretScope(() => {
      registerSecret('k');
      registerSecret('xyz');
      registerSecret('xyz-longer');
      expect(redact('a k b xyz c xyz-longer')).toBe('a [redacted] b [redacted] c [redacted]');
    });
  });

  it('releases run secrets when their run ends, so nothing grows run after run', async () => {
    const before = activeSecretCount();
    for (let run = 0; run < 1_000; run++) {
      await withSecretScope(async () => {
        registerSecret(`notebook-token-${run}`);
        await Promise.resolve();
        expect(redact(`token at notebook-token-${run}!`)).toBe('token at [redacted]!');
      });
    }
    expect(activeSecretCount()).toBe(before);
    expect(redact('notebook-token-7 is no longer a secret')).toBe('notebook-token-7 is no longer a secret');
  });

  it('masks a parent run’s secrets in nested runs, and keeps instance secrets across runs', () => {
    registerSecret('configured-webhook-secret', 'instance');
    withSecretScope(() => {
      registerSecret('outer-run-secret');
      withSecretScope(() => expect(redact('outer-run-secret configured-webhook-secret')).toBe('[redacted] [redacted]'));
    });
    expect(redact('configured-webhook-secret')).toBe('[redacted]');
  });

  it('redacts before cutting: no head of a secret survives at the cut', () => {
    withSecretScope(() => {
      registerSecret('SECRETVALUE-0123456789');
      for (let pad = 0; pad < 40; pad++) {
        const line = cleanText('p'.repeat(pad) + 'SECRETVALUE-0123456789 tail', 30);
        expect(line.length).toBeLessThanOrEqual(30);
        expect(line).not.toMatch(/SECRET|0123/);
      }
    });
  });

  it('makes hub text one clean line: escape sequences go whole, controls and bidi overrides become spaces', () => {
    expect(cleanText('a\x1b[31mred\x1b[0m b\x1b]0;title\x07c\r\nd\u202eX\u0000e')).toBe('ared bc d X e');
  });

  it('logs a secret holding " or \\ masked: redacted before it is serialised', () => {
    const lines: string[] = [];
    withSecretScope(() => {
      registerSecret('pa"ss\\word');
      jsonLogger((l) => lines.push(l)).log('ERROR', 'login with pa"ss\\word failed', {
        error: new Error('bad pa"ss\\word'),
        nested: { list: ['pa"ss\\word'] },
      });
    });
    expect(lines[0]).not.toContain('pa\\"ss\\\\word');
    expect(lines[0]).not.toContain('ss\\');
    expect(JSON.parse(lines[0])).toMatchObject({
      severity: 'ERROR',
      message: 'login with [redacted] failed',
      error: { message: 'bad [redacted]' },
      nested: { list: ['[redacted]'] },
    });
  });

  it('masks a JSON-escaped spelling too, for text serialised elsewhere', () => {
    withSecretScope(() => {
      registerSecret('a"b\\c-secret');
      expect(redact(JSON.stringify({ v: 'a"b\\c-secret' }))).toBe('{"v":"[redacted]"}');
    });
  });

  it('a redacting stream masks every write', () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    withSecretScope(() => {
      registerSecret('stream-secret');
      redactingStream(sink).write('one stream-secret line\n');
    });
    expect(out).toBe('one [redacted] line\n');
  });
});

describe('past the one redactor', () => {
  it('strips escapes before redacting: a secret split by \\x1b[0m is joined, then masked', () => {
    withSecretScope(() => {
      registerSecret('split-secret-42');
      expect(cleanText('token: split-\x1b[0msecret-42 ok')).toBe('token: [redacted] ok');
      expect(cleanText('a\x1b[31mred\x1b[0m b\x1b]0;title\x07c')).toBe('ared bc');
    });
  });

  const sink = () => {
    const chunks: string[] = [];
    return { chunks, stream: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) };
  };

  it('a redacting stream masks a secret written in pieces, as strings or Buffers, within one tick', async () => {
    const { chunks, stream } = sink();
    await withSecretScope(async () => {
      registerSecret('piecewise-secret');
      const out = redactingStream(stream);
      out.write('first line piece');
      out.write(Buffer.from('wise-se'));
      out.write('cret and more\nthen a Buffer: ');
      out.write(Buffer.from('piecewise-secret\n'));
      // A character split between two Buffers stays one character.
      const snow = Buffer.from('❄ piecewise-secret');
      out.write(snow.subarray(0, 1));
      out.write(snow.subarray(1));
      await new Promise((r) => setImmediate(r));
    });
    expect(chunks.join('')).toBe('first line [redacted] and more\nthen a Buffer: [redacted]\n❄ [redacted]');
  });

  it('a redacting stream writes the unfinished line on end', async () => {
    const { chunks, stream } = sink();
    withSecretScope(() => {
      registerSecret('end-secret');
      const out = redactingStream(stream);
      out.write('tail end-');
      out.end('secret');
    });
    await new Promise((r) => stream.on('finish', r));
    expect(chunks.join('')).toBe('tail [redacted]');
  });
});

describe('what reaches a terminal', () => {
  it('no escape sequence from upstream text: OSC 52, CSI, C1 CSI and controls go, the CLI erase-line stays', () => {
    const hostile = 'pod \x1b]52;c;cHduZWQ=\x07a\x1b[2J\x1b[1;1Hb\u009b31mc\x07d\u202ee\tf\r\x1b[2Kg\n';
    expect(terminalSafe(hostile)).toBe('pod abcde\tf\r\x1b[2Kg\n');
  });

  it('the CLI streams (every command prints through them) make what is written terminal-safe', async () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    redactingStream(sink).write('FIRING  node \x1b]52;c;cHduZWQ=\x07gke-1\x1b[2J\n');
    expect(out).toBe('FIRING  node gke-1\n');
  });
});
