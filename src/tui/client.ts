/**
 * The part of the Client the TUI uses. The app depends on this shape only, so a test can wrap
 * a real Client to count or inspect the calls each refresh makes.
 */
import type { Client } from '../engine/client.js';

/** The Client methods the TUI calls. */
export type TuiClient = Pick<
  Client,
  | 'listInstances'
  | 'countInstances'
  | 'getInstanceInfo'
  | 'getStatus'
  | 'listExecutions'
  | 'getExecutionInfo'
  | 'readExecutionHistory'
  | 'getInstanceTree'
  | 'getKvAllValues'
  | 'getSystemMetrics'
  | 'getQueueDepths'
  | 'getUnrunnableWork'
  | 'cancelInstance'
  | 'raiseEvent'
  | 'deleteInstance'
  | 'pruneExecutions'
  | 'listSchedules'
  | 'describeSchedule'
  | 'pauseSchedule'
  | 'resumeSchedule'
  | 'triggerSchedule'
>;
