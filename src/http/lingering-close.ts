import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/** How long and how much of the rest of a request body refused before it was read is taken, after the answer. */
export interface LingerLimits {
  /** Longest the connection is kept open meanwhile. */
  ms: number;
  /** Most of the body read (and dropped) meanwhile; a client sending more gets a reset. */
  bytes: number;
}

export const LINGER_LIMITS: LingerLimits = { ms: 5_000, bytes: 64 * 1024 * 1024 };
/** How often the bytes read while lingering are counted. */
const LINGER_CHECK_MS = 50;

const LAST_REQUEST = Symbol('the request the connection carries now');
const LIMITS = Symbol('the limits of lingering on the connection');

type Lingering = Socket & { [LAST_REQUEST]?: IncomingMessage; [LIMITS]: LingerLimits; destroySoon(): void };

/**
 * A connection answered with `Connection: close` before its request's body had all arrived (a body over the limit, a
 * write without a valid token, a request refused unread) is closed in stages, as RFC 9112 §9.6 has a server do: the
 * answer is written and the sending side closed, and what the client still sends is read and dropped until its body
 * ends or it closes, within the limits given. Closed at once, with the body's rest arriving, the socket
 * would answer with a reset, and the client would see a broken connection (EPIPE, ECONNRESET) instead of the answer.
 * Node closes a connection whose last answer is written with `socket.destroySoon()`, which this replaces for the
 * server's sockets; other closes are Node's own.
 */
export function lingerOnClose(socket: Socket, limits: LingerLimits): void {
  (socket as Lingering)[LIMITS] = limits;
  (socket as Lingering).destroySoon = destroySoonLingering;
}

/** Notes the request a connection carries, so that its close can tell whether the request's body has all arrived. */
export function carries(req: IncomingMessage): void {
  (req.socket as Lingering)[LAST_REQUEST] = req;
}

function destroySoonLingering(this: Lingering): void {
  const req = this[LAST_REQUEST];
  if (!req || req.complete || !this.readable) {
    Socket.prototype.destroySoon.call(this);
    return;
  }
  linger(this, req, this[LIMITS]);
}

function linger(socket: Socket, req: IncomingMessage, limits: LingerLimits): void {
  const startedAt = socket.bytesRead;
  // the answer is written before the sending side is closed; what arrives meanwhile is dropped by Node's parser
  if (socket.writable) socket.end();
  const check = setInterval(() => {
    if (socket.bytesRead - startedAt > limits.bytes) socket.destroy();
  }, LINGER_CHECK_MS);
  const deadline = setTimeout(() => socket.destroy(), limits.ms);
  check.unref();
  deadline.unref();
  const closeOnceWritten = (): void => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  // the body has all arrived, or the client closed its side: nothing more is coming that a close would reset
  req.once('end', closeOnceWritten);
  socket.once('end', closeOnceWritten);
  socket.once('close', () => {
    clearInterval(check);
    clearTimeout(deadline);
  });
}
