import net from 'node:net';

/**
 * A raw HTTP exchange on a socket, for requests a client library would never send (a body shorter than its
 * Content-Length, a slow or abandoned upload): what the server answers (status line, headers, body) before it closes.
 */
export function rawExchange(port: number, head: string, body: Buffer | string, opts: { destroyAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
      if (opts.destroyAfterWrite) {
        socket.destroy();
        resolve('');
      }
    });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}
