import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * The worker: one connection of its own, opened on the first query and again after an error; each answer is posted
 * on the port that came with the query, then the waiting thread is woken through the shared flag.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(workerData.pg);
let client;
async function connected() {
  if (!client) {
    const c = new Client(workerData.client);
    c.on('error', () => { if (client === c) client = undefined; });
    await c.connect();
    client = c;
  }
  return client;
}
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
  statementTimeoutMs: number;
  /** How long the calling thread waits for an answer before it gives up (and the worker is replaced). */
  replyWaitMs: number;
  applicationName: string;
  /**
   * After a query was not answered: how long the next ones fail at once instead of waiting (default 30 s). A
   * database that hangs would otherwise hold the whole process for a reply wait at every request that needs it.
   */
  coolDownMs?: number;
}

/** What a new worker may take, on top of the reply wait, to start and connect before its first answer. */
const START_ALLOWANCE_MS = 5000;

interface Reply {
  rows?: unknown[];
  error?: { message: string; code?: string };
}

/**
 * Reads from PostgreSQL synchronously: the query runs on a worker thread with a connection of its own while the
 * calling thread waits (Atomics.wait). For what must be answered inside synchronous code and is read rarely — a past
 * version of a resource, when a request first needs more than its head — so that start-up need not hold every
 * version ever written in memory. The caller's thread is blocked for the query's time, as with the SQLite store.
 */
export class SyncReader {
  private worker?: Worker;
  /** Whether the current worker has answered a query (it has started and connected). */
  private answered = false;
  /** Until when queries fail at once, after one that was not answered. */
  private failFastUntil = 0;

  constructor(private readonly options: SyncReadOptions) {}

  /** Starts the worker ahead of the first query (it takes tens of milliseconds), without waiting for it. */
  prepare(): void {
    this.worker ??= this.start();
  }

  /** The rows of one query; throws the database's error (with its SQLSTATE in `code`), or 'Query read timeout'. */
  query<R>(text: string, values: unknown[]): R[] {
    if (Date.now() < this.failFastUntil) throw new Error('Query read timeout');
    const worker = (this.worker ??= this.start());
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    try {
      worker.postMessage({ text, values, port: port2, flag }, [port2]);
      const waited = Atomics.wait(flag, 0, 0, this.options.replyWaitMs + (this.answered ? 0 : START_ALLOWANCE_MS));
      const reply = receiveMessageOnPort(port1)?.message as Reply | undefined;
      if (waited === 'timed-out' || !reply) {
        // the worker may still be waiting on a database that does not answer: a new one serves the next query
        this.stop();
        this.failFastUntil = Date.now() + (this.options.coolDownMs ?? 30_000);
        throw new Error('Query read timeout');
      }
      this.answered = true;
      if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
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

  private stop(): void {
    void this.close().catch(() => undefined);
  }

  private start(): Worker {
    this.answered = false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pg: require.resolve('pg'),
        client: {
          connectionString: this.options.connectionString,
          statement_timeout: this.options.statementTimeoutMs,
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
