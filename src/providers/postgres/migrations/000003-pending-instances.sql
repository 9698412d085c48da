-- Started instances exist at once: a client start creates the instance row with status
-- 'Pending' and enqueues its start message in one call, so status, listings, cancel and delete
-- see the instance before any worker has run its first turn.
--
-- The first ack of the instance then finds the row and updates it like any later ack would
-- (apply_orchestration_ack keeps created_at, fills in the version the runtime resolved and moves
-- the execution id only forward). That function leaves the status as it is when the ack reports
-- none, so the move from Pending to Running is made here, by a trigger on the instance's first
-- history event, rather than by replacing the ack function: a turn that only drops stray
-- messages writes no history and leaves the instance Pending. An ack that reports a status
-- (a first turn that completes, fails or continues as new) sets it itself.
--
-- Pending counts as "not running" for deletes: nothing of the instance has run, and deleting it
-- withdraws its queued start (delete_instances is replaced below for that, unchanged otherwise).

-- Creates the instance as Pending and enqueues its start, atomically; false (nothing written)
-- when an instance with that id exists in any status. One round trip.
CREATE FUNCTION :DUROX_SCHEMA.create_instance(
  p_now_ms bigint, p_instance_id text, p_name text, p_version text, p_item text, p_origin text
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
BEGIN
  INSERT INTO instances (instance_id, orchestration_name, orchestration_version, current_execution_id,
                         created_at, updated_at, status)
  VALUES (p_instance_id, p_name, p_version, 1, p_now_ms, p_now_ms, 'Pending')
  ON CONFLICT (instance_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
  VALUES (p_instance_id, p_item, p_now_ms, p_now_ms);
  PERFORM notify_work(p_origin, 1, NULL, 0, NULL, ARRAY[p_instance_id]);
  RETURN true;
END
$$;

-- The first event of a Pending instance makes it Running (see above). Only event 1 can be the
-- first, so the WHEN clause keeps every other history row free of the trigger's cost.
CREATE FUNCTION :DUROX_SCHEMA.instance_started_from_pending() RETURNS trigger
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
BEGIN
  UPDATE instances AS i SET status = 'Running'
  WHERE i.instance_id = NEW.instance_id AND i.status = 'Pending';
  RETURN NULL;
END
$$;

CREATE TRIGGER trg_history_pending_started
  AFTER INSERT ON :DUROX_SCHEMA.history
  FOR EACH ROW WHEN (NEW.event_id = 1)
  EXECUTE FUNCTION :DUROX_SCHEMA.instance_started_from_pending();

-- As in 000002, except that a Pending instance is not "running". (Dropped and created rather
-- than replaced: same signature, and nothing depends on it but delete_instance_bulk's call,
-- which PL/pgSQL resolves at run time.)
DROP FUNCTION :DUROX_SCHEMA.delete_instances(text[], boolean, text);
CREATE FUNCTION :DUROX_SCHEMA.delete_instances(
  p_ids text[], p_force boolean, p_origin text,
  OUT outcome text, OUT offender text, OUT offender_parent text, OUT instances_deleted bigint,
  OUT executions_deleted bigint, OUT events_deleted bigint, OUT queue_messages_deleted bigint
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_offender text;
  v_parent text;
  v_count bigint;
  v_queue bigint := 0;
BEGIN
  PERFORM 1 FROM instances AS i WHERE i.instance_id = ANY (p_ids) ORDER BY i.instance_id FOR UPDATE;

  IF NOT p_force THEN
    -- Continue-as-new leaves the current execution ContinuedAsNew until the next execution's
    -- first ack: the instance is still running then.
    SELECT i.instance_id INTO v_offender
    FROM instances AS i
    WHERE i.instance_id = ANY (p_ids) AND i.status NOT IN ('Completed', 'Failed', 'Pending')
    ORDER BY i.instance_id
    LIMIT 1;
    IF FOUND THEN
      outcome := 'running';
      offender := v_offender;
      RETURN;
    END IF;
  END IF;

  SELECT c.instance_id, c.parent_instance_id INTO v_offender, v_parent
  FROM instances AS c
  WHERE c.parent_instance_id = ANY (p_ids) AND NOT (c.instance_id = ANY (p_ids))
  ORDER BY c.instance_id
  LIMIT 1;
  IF FOUND THEN
    outcome := 'orphan';
    offender := v_offender;
    offender_parent := v_parent;
    RETURN;
  END IF;

  DELETE FROM history AS h WHERE h.instance_id = ANY (p_ids);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  events_deleted := v_count;
  DELETE FROM executions AS e WHERE e.instance_id = ANY (p_ids);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  executions_deleted := v_count;
  DELETE FROM orchestrator_queue AS q WHERE q.instance_id = ANY (p_ids);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_queue := v_queue + v_count;
  DELETE FROM worker_queue AS w WHERE w.instance_id = ANY (p_ids);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  queue_messages_deleted := v_queue + v_count;
  DELETE FROM instance_locks AS l WHERE l.instance_id = ANY (p_ids);
  DELETE FROM kv_store AS s WHERE s.instance_id = ANY (p_ids);
  DELETE FROM kv_delta AS d WHERE d.instance_id = ANY (p_ids);
  DELETE FROM instances AS i WHERE i.instance_id = ANY (p_ids);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  instances_deleted := v_count;
  PERFORM notify_work(p_origin, 0, NULL, 0, NULL, p_ids);
  outcome := 'ok';
END
$$;
