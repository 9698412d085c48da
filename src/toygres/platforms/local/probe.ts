/**
 * "Is the server accepting connections?" without a password, as `pg_isready` answers it: open a
 * TCP connection, send a startup packet and look at the first reply. An authentication request
 * means the server accepts connections (hanging up then is legal and not logged by the server);
 * an error 57P03 means it is starting up or shutting down.
 */
import { connect } from 'node:net';

export type ProbeResult = 'accepting' | 'starting' | 'refused' | 'no-response';

function startupPacket(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196_608, 4); // protocol 3.0
  return Buffer.concat([header, params]);
}

/** SQLSTATE of an ErrorResponse body, if any. */
function sqlState(body: Buffer): string | undefined {
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const field = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    if (end < 0) return undefined;
    if (field === 'C') return body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return undefined;
}

export function probe(host: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let received = Buffer.alloc(0);
    const socket = connect({ host, port });
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish('no-response'), timeoutMs);
    socket.on('connect', () => socket.write(startupPacket('postgres', 'postgres')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const type = String.fromCharCode(received[0]!);
      if (type === 'R') return finish('accepting');
      if (type !== 'E') return finish('accepting'); // some other protocol reply: the server is up
      if (received.length < 5) return;
      const length = received.readInt32BE(1);
      if (received.length < 1 + length) return;
      const state = sqlState(received.subarray(5, 1 + length));
      finish(state === '57P03' ? 'starting' : 'accepting');
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNREFUSED' ? 'refused' : 'no-response'),
    );
    socket.on('close', () => finish('no-response'));
  });
}
