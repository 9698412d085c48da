import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { instanceId, validate } from '../../cli/input.js';
import { printTree, readTree } from '../../cli/instances.js';
import type { TreeNode } from '../../cli/instances.js';

/** `--json` document of `orchestration tree`. */
export interface OrchestrationTreeResult {
  rootId: string;
  /** The instance and every descendant, breadth first. */
  allIds: string[];
  size: number;
  tree: TreeNode;
}

export default class OrchestrationTree extends BaseCommand<typeof OrchestrationTree> {
  static override summary = 'Show an instance and its sub-orchestrations as a tree';
  static override examples = ['<%= config.bin %> orchestration tree order-1'];
  static override aliases = ['orch:tree'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };

  async run(): Promise<OrchestrationTreeResult> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const client = await this.client();
    const info = await client.getInstanceInfo(id);
    const { allIds, size } = await client.getInstanceTree(id);
    const tree = await readTree(client, info);
    if (!this.jsonEnabled()) printTree(tree);
    return { rootId: id, allIds, size, tree };
  }
}
