import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { runDemo } from '../../cli/demo.js';
import type { DemoResult } from '../../cli/demo.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { instanceId, validate } from '../../cli/input.js';

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'Run a sample order workflow end to end on the store';
  static override description =
    'Starts an in-process worker with the bundled example workflows (dist/examples/order-workflow.js), runs an order through activities, an external event (raised by the demo) and a durable timer, then prints the result and the recorded history. Uses the default store ~/.durox/durox.db unless --store is given; afterwards, try `durox orchestration list` and `durox history show <id>` on the same store.';
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --store sqlite:./demo.db --json',
  ];
  static override flags = {
    id: Flags.string({ description: 'Instance id (default: order-<random>)', helpValue: '<id>' }),
  };

  async run(): Promise<DemoResult> {
    const id = validate(instanceId, this.flags.id ?? `order-${randomUUID().slice(0, 8)}`, '--id');
    const modulePath = fileURLToPath(new URL('../../examples/order-workflow.js', import.meta.url));
    const provider = await this.provider();
    const result = await runDemo(provider, {
      instanceId: id,
      modulePath,
      storeLabel: this.storeLabel(),
      say: (line) => this.log(line),
    });
    if (result.status !== 'Completed') this.setExitCode(ExitCode.FAILED);
    return result;
  }
}
