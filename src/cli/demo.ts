/**
 * `durox demo`: the main job in one command — an in-process worker with the bundled example
 * workflows, one order through activities, an external event and a durable timer, then the
 * result and the history.
 */
import type { ErrorDetails } from '../core/failure.js';
import { Client } from '../engine/client.js';
import { Runtime } from '../engine/runtime/runtime.js';
import type { Provider } from '../core/provider.js';
import { formatDuration } from './durations.js';
import { buildHistoryFile } from './history-file.js';
import { startNewInstance } from './instances.js';
import { colorStatus, stdoutColors } from './output.js';
import { buildTimeline, renderTimeline } from './timeline.js';
import type { Timeline } from './timeline.js';
import { loadModules } from './user-module.js';

/** `--json` document of `demo`. */
export interface DemoResult {
  store: string;
  instanceId: string;
  orchestrationName: string;
  status: 'Completed' | 'Failed';
  output?: unknown;
  error?: string;
  failureDetails?: ErrorDetails;
  durationMs: number;
  history: Timeline;
}

export interface DemoOptions {
  instanceId: string;
  modulePath: string;
  storeLabel: string;
  /** Prints a human line (silent with --json). */
  say: (line: string) => void;
}

const ORDER = {
  items: [
    { sku: 'durox-mug', qty: 2, price: 12 },
    { sku: 'durox-sticker', qty: 5, price: 1 },
  ],
  approvalTimeoutMs: 60_000,
  packingDelayMs: 1000,
};

export async function runDemo(provider: Provider, options: DemoOptions): Promise<DemoResult> {
  const c = stdoutColors();
  const { instanceId, say } = options;
  const runtime = new Runtime(provider, { logLevel: 'error', dispatcherPollIntervalMs: 20 });
  await loadModules([options.modulePath], runtime);
  const client = new Client(provider);
  const started = Date.now();
  await runtime.start();
  try {
    // As `orchestration start` does: an existing id is refused (before anything is printed).
    await startNewInstance(client, instanceId, 'OrderWorkflow', { id: instanceId, ...ORDER });
    say(`${c.dim('store:')} ${options.storeLabel}`);
    say(`${c.dim('worker:')} started in-process with the bundled example workflows`);
    say(
      `${c.bold('1.')} started OrderWorkflow as ${c.bold(instanceId)} (validate, charge, wait for approval, pack, ship)`,
    );

    // Raise the approval once the orchestration is waiting for it.
    let seen = 0;
    for (;;) {
      const status = await client.waitForStatusChange(instanceId, seen, 50, 30_000);
      seen = status.customStatusVersion;
      if (status.status !== 'Running' || status.customStatus === 'awaiting approval') break;
    }
    say(
      `${c.bold('2.')} it waits for the "approval" event; raising it (durox orchestration raise ${instanceId} approval …)`,
    );
    await client.raiseEvent(instanceId, 'approval', { by: 'durox demo' });
    say(
      `${c.bold('3.')} approved; a durable ${formatDuration(ORDER.packingDelayMs)} timer runs before shipping`,
    );

    const status = await client.waitForOrchestration(instanceId, 60_000);
    const durationMs = Date.now() - started;
    const history = buildTimeline(await buildHistoryFile(client, instanceId, { kind: 'current' }));
    say(`${c.bold('4.')} ${colorStatus(c, status.status)} in ${formatDuration(durationMs)}`);
    say('');
    say(c.bold('result'));
    say(JSON.stringify(status.status === 'Completed' ? status.output : status.error, null, 2));
    say('');
    say(c.bold('history'));
    say(renderTimeline(history));
    say('');
    say(
      c.dim(
        `next: durox orchestration list · durox history show ${instanceId} · durox history dump ${instanceId} --out ${instanceId}.json`,
      ),
    );
    const result: DemoResult = {
      store: options.storeLabel,
      instanceId,
      orchestrationName: 'OrderWorkflow',
      status: status.status as 'Completed' | 'Failed',
      durationMs,
      history,
    };
    if (status.status === 'Completed') result.output = status.output;
    if (status.error !== undefined) result.error = status.error;
    if (status.failureDetails !== undefined) result.failureDetails = status.failureDetails;
    return result;
  } finally {
    await runtime.shutdown(1000);
  }
}
