import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * The worker: one connection of its own, opened as soon as the worker starts (so that a query does not wait for it)
 * and again after an error; each answer is posted on the port that came with the query, then the waiting thread is
 * woken through the shared flag.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(workerData.pg);
let client;
let connecting;
function connected() {
  if (client) return Promise.resolve(client);
  connecting ??= (async () => {
    const c = new Client(workerData.client);
    c.on('error', () => { if (client === c) client = undefined; });
    try {
      await c.connect();
    } catch (e) {
      c.end().catch(() => undefined);
      throw e;
    } finally {
      connecting = undefined;
    }
    return client = c;
  })();
  return connecting;
}
connected().catch(() => undefined);
parentPort.on('message', async ({ text, values, port, flag }) => {
  let reply;
  try {
    reply = { rows: (await (await connected()).query(text, values)).rows };
  } catch (e) {
    const broken = client;
    client = undefined;
    if (broken) broken.end().catch(() => undefined);
    reply = { error: { message: String((e && e.message) || e), code: e && e.code } };
  }
  port.postMessage(reply);
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

export interface SyncReadOptions {
  connectionString: string;
  /** statement_timeout of the worker's session: the database cancels a statement running longer (57014). */
  statementTimeoutMs: number;
  /** lock_timeout of the worker's session: a statement waiting longer for a lock is cancelled (55P03). */
  lockTimeoutMs: number;
  /**
   * How long the calling thread (the whole process) waits for an answer before it gives up and the worker is
   * replaced: a little past the statement timeout, for a database that does not answer at all.
   */
  replyWaitMs: number;
  applicationName: string;
  /**
   * After a query that timed out (the statement or lock timeout, or no answer within the reply wait): how long the
   * next ones fail at once instead of waiting (default 10 s). A database that is locked or hangs would otherwise
   * hold the whole process again at every request that needs it.
   */
  coolDownMs?: number;
}

/**
 * What a new worker may take, on top of the reply wait, to start and connect before its first answer, counted from its
 * start: a worker that has had that long and still not answered gets the reply wait only.
 */
const START_ALLOWANCE_MS = 1000;

/** The SQLSTATEs of a statement the database cancelled for its time: the statement timeout and the lock timeout. */
const TIMED_OUT = new Set(['57014', '55P03']);

interface Reply {
  rows?: unknown[];
  error?: { message: string; code?: string };
}

/** A query refused at once, during the cool-down after one that timed out. */
export class ReadsPaused extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Reads paused for ${retryAfterMs} ms after a read that timed out`);
  }
}

/**
 * Reads from PostgreSQL synchronously: the query runs on a worker thread with a connection of its own while the
 * calling thread waits (Atomics.wait). For what must be answered inside synchronous code and is read rarely — a past
 * version of a resource, when a request first needs more than its head (the terminology engine resolves and reads
 * resources synchronously, src/store/past-version.ts) — so that start-up need not hold every version ever written in
 * memory. The caller's thread, and with it the whole process (/health, /ready, every request), is blocked for the
 * query's time, as with the SQLite store: hence the short bounds (src/store/postgres-waits.ts), and the cool-down after
 * a timeout, so that a locked or hung database blocks the process at most once per cool-down, for the reply wait.
 */
export class SyncReader {
  private worker?: Worker;
  /** When the current worker was started. */
  private startedAt = 0;
  /** Whether the current worker has answered a query (it has started and connected). */
  private answered = false;
  /** Until when queries fail at once, after one that timed out. */
  private failFastUntil = 0;

  constructor(private readonly options: SyncReadOptions) {}

  /** Starts the worker (and its connection) ahead of the first query, without waiting for it. */
  prepare(): void {
    this.worker ??= this.start();
  }

  /** How long queries still fail at once (ms; 0 when they are tried). */
  pausedFor(): number {
    return Math.max(0, this.failFastUntil - Date.now());
  }

  /**
   * The rows of one query; throws the database's error (with its SQLSTATE in `code`), 'Query read timeout' when it did
   * not answer within the reply wait, or ReadsPaused during the cool-down after a timeout.
   */
  query<R>(text: string, values: unknown[]): R[] {
    const paused = this.pausedFor();
    if (paused > 0) throw new ReadsPaused(paused);
    const worker = (this.worker ??= this.start());
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    try {
      worker.postMessage({ text, values, port: port2, flag }, [port2]);
      const allowance = this.answered ? 0 : Math.max(0, this.startedAt + START_ALLOWANCE_MS - Date.now());
      const waited = Atomics.wait(flag, 0, 0, this.options.replyWaitMs + allowance);
      const reply = receiveMessageOnPort(port1)?.message as Reply | undefined;
      if (waited === 'timed-out' || !reply) {
        // the worker may still be waiting on a database that does not answer: a new one connects meanwhile
        this.stop();
        this.worker = this.start();
        this.coolDown();
        throw new Error('Query read timeout');
      }
      this.answered = true;
      if (reply.error) {
        if (reply.error.code !== undefined && TIMED_OUT.has(reply.error.code)) this.coolDown();
        throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
      }
      return reply.rows as R[];
    } finally {
      port1.close();
    }
  }

  /** Ends the worker and its connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private coolDown(): void {
    this.failFastUntil = Date.now() + (this.options.coolDownMs ?? 10_000);
  }

  private stop(): void {
    void this.close().catch(() => undefined);
  }

  private start(): Worker {
    this.answered = false;
    this.startedAt = Date.now();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pg: require.resolve('pg'),
        client: {
          connectionString: this.options.connectionString,
          statement_timeout: this.options.statementTimeoutMs,
          lock_timeout: this.options.lockTimeoutMs,
          // a backstop only, past the longest the calling thread waits: the same time as its wait, node-postgres's own
          // 'Query read timeout' could answer first, and the worker was then kept without the cool-down
          query_timeout: this.options.replyWaitMs + START_ALLOWANCE_MS,
          application_name: this.options.applicationName,
        },
      },
    });
    // a worker that fails or ends is replaced at the next query; it never keeps the process alive
    worker.on('error', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.unref();
    return worker;
  }
}
