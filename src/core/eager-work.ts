/**
 * Eager dispatch (docs/performance.md, "Eager dispatch"): which activity items an orchestration
 * ack may lock for the runtime that committed it. Shared by the providers that implement
 * `ackOrchestrationItemEager`, so they agree on the rules.
 */
import type { ActivityExecuteItem } from './history.js';
import type { EagerWorkRequest, TagFilter } from './queue-provider.js';

/** Whether `filter` accepts an item with this tag (`undefined` = the default, untagged). */
export function tagAccepts(filter: TagFilter, tag: string | undefined): boolean {
  switch (filter.mode) {
    case 'defaultOnly':
      return tag === undefined;
    case 'tags':
      return tag !== undefined && filter.tags.includes(tag);
    case 'defaultAnd':
      return tag === undefined || filter.tags.includes(tag);
    case 'any':
      return true;
    case 'none':
      return false;
  }
}

/**
 * Whether an ack may lock `item` for the requesting runtime: no session (session items need the
 * session claim of a regular fetch), accepted by the tag filter, not skipped.
 */
export function eagerEligible(item: ActivityExecuteItem, request: EagerWorkRequest): boolean {
  return (
    item.session_id === undefined &&
    tagAccepts(request.tagFilter, item.tag) &&
    !(request.skipActivities ?? []).includes(item.name)
  );
}
