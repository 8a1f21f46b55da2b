import { LineBuffer } from '../../src/log-buffer';

function sink() {
  const chunks: string[] = [];
  let synced = 0;
  return { chunks, synced: () => synced, write: (c: string) => chunks.push(c), flushSync: () => { synced++; } };
}

describe('the log line buffer', () => {
  it('hands lines on in chunks once they reach the chunk size, in order and complete', () => {
    const out = sink();
    const buffer = new LineBuffer(out, 100, 60_000);
    try {
      const lines = Array.from({ length: 30 }, (_, i) => `{"n":${i}}\n`);
      for (const line of lines) buffer.write(line);
      expect(out.chunks.length).toBeGreaterThan(0);
      expect(out.chunks.every((c) => c.length >= 100)).toBe(true);
      buffer.flush();
      expect(out.chunks.join('')).toBe(lines.join(''));
    } finally {
      buffer.close();
    }
  });

  it('writes what is left when flushed synchronously (process exit), and at least every interval', async () => {
    const out = sink();
    const buffer = new LineBuffer(out, 1 << 20, 20);
    try {
      buffer.write('a\n');
      expect(out.chunks).toEqual([]);
      await new Promise((r) => setTimeout(r, 80));
      expect(out.chunks).toEqual(['a\n']);
      buffer.write('b\n');
      buffer.flushSync();
      expect(out.chunks).toEqual(['a\n', 'b\n']);
      expect(out.synced()).toBe(1);
    } finally {
      buffer.close();
    }
  });
});
