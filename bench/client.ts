import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: number;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One HTTP request from the bench runner (probes, checks, start-up polling and the batch scenario). */
export function request(port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const h: Record<string, string | number> = { Accept: 'application/fhir+json', ...headers };
    if (body !== undefined) {
      h['Content-Type'] = 'application/fhir+json';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: h, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        // the clock stops with the last byte, as autocannon's does: joining and decoding the answer is the client's
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf.toString('utf8'),
          bytes: buf.length,
          ms,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function get(port: number, path: string, headers?: Record<string, string>): Promise<Answer> {
  return request(port, 'GET', path, undefined, headers);
}

export function json<T = Record<string, unknown>>(answer: Answer): T {
  return JSON.parse(answer.body) as T;
}

export interface ParameterLike {
  name: string;
  valueBoolean?: boolean;
  valueString?: string;
  valueCode?: string;
  part?: ParameterLike[];
  resource?: { resourceType?: string; parameter?: ParameterLike[] };
}

/** A named output parameter of a Parameters response (first occurrence). */
export function param(answer: Answer, name: string): ParameterLike | undefined {
  return json<{ parameter?: ParameterLike[] }>(answer).parameter?.find((x) => x.name === name);
}

export function closeClient(): void {
  agent.destroy();
}
