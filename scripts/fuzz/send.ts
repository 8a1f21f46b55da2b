import http from 'node:http';
import type { HostileRequest } from './hostile-requests';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Sends one raw request (no client-side validation, so bytes go out as generated). */
export function send(port: number, req: HostileRequest, host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['Content-Length'] = req.body.length;
    // Node refuses to send spaces and control characters in a path: percent-encode just those, keep the rest raw.
    const path = req.path.replace(/[^\x21-\x7e]/g, (c) =>
      [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
    const r = http.request({ host, port, method: req.method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.setTimeout(30_000, () => r.destroy(new Error('timeout')));
    if (req.body) r.write(req.body);
    r.end();
  });
}
