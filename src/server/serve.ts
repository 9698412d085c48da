/**
 * Listening: the app on a Node HTTP server, with a graceful close (no new connections; requests
 * in flight finish, within a grace period; idle keep-alive connections are closed). Long-polls do
 * not hold a close up when the app was made with a `stopping` signal that is aborted first.
 */
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './auth.js';

/** How long {@link RunningServer.close} lets requests in flight run before cutting them (ms). */
export const CLOSE_GRACE_MS = 10_000;

/** A listening server. */
export interface RunningServer {
  /** The bound address, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly host: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /**
   * Stops accepting connections, closes idle ones and resolves once the requests in flight have
   * finished; connections still busy after `graceMs` (default {@link CLOSE_GRACE_MS}) are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `host:port` (port 0: any free port). Rejects when the address is unavailable. */
export function listen(app: OpenAPIHono<AppEnv>, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | null = null;
    const onError = (err: Error): void => reject(err);
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      const http = server as Server;
      http.off('error', onError);
      let closing: Promise<void> | null = null;
      const urlHost = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${urlHost}:${info.port}`,
        host: info.address,
        port: info.port,
        close: (graceMs = CLOSE_GRACE_MS) => {
          closing ??= new Promise<void>((done) => {
            const cut = setTimeout(() => http.closeAllConnections(), graceMs);
            http.close(() => {
              clearTimeout(cut);
              done();
            });
            http.closeIdleConnections();
          });
          return closing;
        },
      });
    });
    (server as Server).on('error', onError);
  });
}
