/**
 * `durox/testing`: durox in-process on virtual time (`TestEnvironment`) and replay testing
 * (`replayHistory`, `Replayer`). See docs/testing.md.
 */
export { TestEnvironment } from './test-environment.js';
export type { ActionTime, ActivityImplementation, TestEnvironmentOptions } from './test-environment.js';
export { VirtualClock } from './virtual-clock.js';
export { SettleTimeoutError } from './time-keeper.js';
export { replayHistory, Replayer } from './replay.js';
export type { RegisterCode, ReplayDivergence, ReplayResult } from './replay.js';
export type { Duration, TimePoint } from './duration.js';
export type { HistoryFile, HistoryFileExecution, KvSnapshotEntry } from '../engine/history-file.js';
