/**
 * The provider's one LISTEN connection. It receives the NOTIFYs that the SQL functions send on
 * the schema's channel when work becomes available, and reconnects with backoff when the
 * connection drops. After a reconnect it reports that notifications may have been missed, so
 * the provider can wake everything once.
 */
import pg from 'pg';

export interface ListenerHandlers {
  onNotification(payload: string): void;
  /** The listener reconnected: notifications sent meanwhile are lost. */
  onReconnect(): void;
}

const FIRST_RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_DELAY_MS = 5000;

export class NotificationListener {
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;

  /**
   * @param channel a plain lower-case identifier (a digest of the schema name), safe to splice.
   */
  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly handlers: ListenerHandlers,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  }

  /** Connects and starts listening; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** True while a LISTEN connection is up (tests and diagnostics). */
  get connected(): boolean {
    return this.client !== null;
  }

  /** The listening backend's process id (tests use it to kill the connection). */
  async backendPid(): Promise<number | null> {
    const client = this.client;
    if (client === null) return null;
    const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return result.rows[0]?.pid ?? null;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.connectionLost(client);
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) {
        this.handlers.onNotification(message.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed || lost) {
      await client.end().catch(() => undefined);
      if (lost && !this.closed) throw new Error('the LISTEN connection dropped while starting');
      return;
    }
    // Every wait on a wake-up holds its own referenced timer, so the LISTEN socket need not
    // keep the process alive: a script that shut its runtime down may exit without close().
    // Notifications are still read whenever something else keeps the event loop running.
    // (pg's Client has unref() since 8.x; its type definitions lack it.)
    (client as pg.Client & { unref(): void }).unref();
    this.client = client;
  }

  private connectionLost(client: pg.Client): void {
    this.client = null;
    client.end().catch(() => undefined);
    if (!this.closed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** this.failedAttempts, MAX_RECONNECT_DELAY_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.connect().then(
        () => {
          this.failedAttempts = 0;
          if (!this.closed) this.handlers.onReconnect();
        },
        () => {
          this.failedAttempts++;
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client !== null) await client.end().catch(() => undefined);
  }
}
