-- An execution that ends takes its pending messages with it.
--
-- When an ack records that an execution Completed, Failed or ContinuedAsNew, the messages still
-- queued for THAT execution can never be consumed: the engine drops completions and fired
-- timers addressed to an execution other than the running one, or to a terminal one. Left in
-- the queue, a timer that lost a race waits for its due time (hours, days), shows in the timer
-- queue depth meanwhile, and then costs a fetch and an ack to be thrown away.
--
-- Only messages that carry the ended execution's id are removed: fired timers, activity and
-- sub-orchestration completions. Messages addressed to the instance as a whole (external events,
-- queue messages, cancel requests, starts and continue-as-new) stay: queue messages and events
-- are for the next execution after continue-as-new, and a start may begin a new life of the id.
--
-- A trigger on the execution row rather than a change to apply_orchestration_ack: the delete
-- runs in the ack's transaction wherever an execution's status turns terminal, and the ack
-- function stays as it is. It runs before the ack inserts the turn's new messages, so nothing
-- the ending turn enqueues is touched (the engine sends no timer for an execution that ends).
CREATE FUNCTION :DUROX_SCHEMA.discard_ended_execution_messages()
RETURNS trigger
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
BEGIN
  -- idx_orch_instance narrows to the instance's few messages; only those are parsed.
  DELETE FROM orchestrator_queue AS q
  WHERE q.instance_id = NEW.instance_id
    AND q.work_item::jsonb ->> 'type' IN
        ('TimerFired', 'ActivityCompleted', 'ActivityFailed', 'SubOrchCompleted', 'SubOrchFailed')
    AND (q.work_item::jsonb ->> 'execution_id')::bigint = NEW.execution_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER discard_ended_execution_messages
  AFTER INSERT OR UPDATE OF status ON :DUROX_SCHEMA.executions
  FOR EACH ROW
  WHEN (NEW.status IN ('Completed', 'Failed', 'ContinuedAsNew'))
  EXECUTE FUNCTION :DUROX_SCHEMA.discard_ended_execution_messages();
