/**
 * A TCP proxy in front of PostgreSQL that can hang as a stopped server (SIGSTOP) does: the connections stay open,
 * bytes are accepted, and nothing comes back. `resume()` lets everything held go through, in order, as a server
 * continuing would; a connection the client closed meanwhile is closed towards the server after its held bytes.
 */
import net from 'node:net';

export interface HangingProxy {
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /**
   * Hangs once a client sends bytes containing `text` (e.g. a statement): with `forward`, those bytes still reach
   * the server (it runs the statement, the answer is held); else they are held too. Resolves when it hangs.
   */
  hangWhen(text: string, options: { forward: boolean }): Promise<void>;
  /** Hangs now: nothing goes through, either way, until resume. */
  hangNow(): void;
  /** Resolves when a client's bytes containing `text` are held (sent while hung). */
  whenHeld(text: string): Promise<void>;
  resume(): void;
  close(): Promise<void>;
}

type Held = () => void;

export async function startHangingProxy(targetUrl: string): Promise<HangingProxy> {
  const target = new URL(targetUrl);
  let hung = false;
  let trigger: { text: string; forward: boolean; fired: () => void } | undefined;
  const held: Held[] = [];
  const awaited: { text: string; seen: () => void }[] = [];
  const sockets = new Set<net.Socket>();
  const pass = (action: Held) => (hung ? held.push(action) : action());

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (!hung && trigger && chunk.includes(trigger.text)) {
        const { forward, fired } = trigger;
        trigger = undefined;
        if (forward) upstream.write(chunk);
        hung = true;
        if (!forward) held.push(() => upstream.write(chunk));
        fired();
        return;
      }
      if (hung) {
        for (const w of awaited.filter((a) => chunk.includes(a.text))) {
          awaited.splice(awaited.indexOf(w), 1);
          w.seen();
        }
      }
      pass(() => upstream.write(chunk));
    });
    upstream.on('data', (chunk) => pass(() => client.write(chunk)));
    client.on('close', () => pass(() => upstream.end()));
    upstream.on('close', () => pass(() => client.end()));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    hangWhen(text, options) {
      return new Promise((fired) => {
        trigger = { text, forward: options.forward, fired };
      });
    },
    hangNow() {
      hung = true;
    },
    whenHeld(text) {
      return new Promise((seen) => {
        awaited.push({ text, seen });
      });
    },
    resume() {
      hung = false;
      for (const action of held.splice(0)) action();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
