/**
 * Instance checks and views shared by the orchestration commands.
 */
import type { Client } from '../engine/client.js';
import type { InstanceInfoView } from '../engine/management.js';
import type { InstanceStatus } from '../core/provider.js';
import { CliError } from './errors.js';
import { colorStatus, stdoutColors } from './output.js';

/**
 * Throws NOT_FOUND for an unknown instance and INSTANCE_ENDED (exit 1) for a terminal one: a
 * message for an ended instance would never be delivered.
 */
export async function requireRunning(client: Client, instanceId: string, action: string): Promise<void> {
  const info = await client.findInstance(instanceId);
  if (!info) throw new CliError('NOT_FOUND', `instance '${instanceId}' not found`);
  if (info.status === 'Completed' || info.status === 'Failed') {
    throw new CliError(
      'INSTANCE_ENDED',
      `cannot ${action} instance '${instanceId}': it already ended ${info.status}`,
    );
  }
}

/**
 * Starts an instance with one atomic check-and-create (of two concurrent starts of one id, one
 * is refused); an existing id is an INSTANCE_EXISTS error (exit 2) naming its status, where the
 * library would drop the start silently.
 */
export async function startNewInstance(
  client: Client,
  instanceId: string,
  orchestrationName: string,
  input: unknown,
  version: string | null = null,
): Promise<void> {
  const created = await client.tryStartOrchestration(
    instanceId,
    orchestrationName,
    input,
    version === null ? {} : { version },
  );
  if (created) return;
  const existing = await client.findInstance(instanceId);
  throw new CliError(
    'INSTANCE_EXISTS',
    `instance '${instanceId}' already exists${existing ? ` (${existing.status})` : ''}`,
  );
}

/** One node of `orchestration tree`. */
export interface TreeNode {
  instanceId: string;
  orchestrationName: string;
  orchestrationVersion: string | null;
  status: InstanceStatus;
  children: TreeNode[];
}

/** The instance and its descendants, depth first in creation order. */
export async function readTree(client: Client, root: InstanceInfoView): Promise<TreeNode> {
  const node: TreeNode = {
    instanceId: root.instanceId,
    orchestrationName: root.orchestrationName,
    orchestrationVersion: root.orchestrationVersion,
    status: root.status,
    children: [],
  };
  for (const childId of await client.listChildren(root.instanceId)) {
    const child = await client.findInstance(childId);
    if (!child) continue; // deleted meanwhile
    node.children.push(await readTree(client, await client.getInstanceInfo(childId)));
  }
  return node;
}

/** Prints the tree with box-drawing branches. */
export function printTree(root: TreeNode): void {
  const c = stdoutColors();
  const label = (n: TreeNode): string =>
    `${c.bold(n.instanceId)} ${c.dim(`${n.orchestrationName} ${n.orchestrationVersion ?? ''}`.trim())} ${colorStatus(c, n.status)}`;
  const lines = [label(root)];
  const walk = (node: TreeNode, prefix: string): void => {
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(child)}`);
      walk(child, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, '');
  process.stdout.write(`${lines.join('\n')}\n`);
}
