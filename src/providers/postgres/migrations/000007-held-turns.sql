-- Eager dispatch and held turns (docs/performance.md, "Issue 17"): a sequential orchestration
-- commits once per step when nothing else is in flight.
--
-- Eager dispatch: an orchestration ack locks, in its own transaction, up to N of the activity
-- items it just inserted for the acking runtime's idle worker slots, exactly as
-- fetch_work_items would lock them (so the activity needs no fetch). Held turns: when such an
-- ack scheduled exactly one activity and locked it, the instance's lease may be kept for a
-- while, so that the activity's completion commits together with the instance's next turn
-- (apply_held_turn): one transaction instead of the activity ack, the next fetch and the next
-- ack. ack_eager_turns group-commits a process's concurrent calls of both.
--
-- The turn itself goes through apply_orchestration_ack (000002) rather than a copy of it
-- it: it checks the lease FOR UPDATE, writes the turn, inserts the worker items, withdraws
-- cancelled ones, deletes the consumed messages and the lease. What comes after it here is
-- only the locking of the new items, the kept lease and the NOTIFY.
--
-- Which items may be locked (no session, tag filter, skip list) is decided by the caller with
-- the rules shared by every provider (src/core/eager-work.ts `eagerEligible`) and passed in as
-- one flag per ack.worker_items element, so the providers cannot drift apart on them.

-- Writes a turn with apply_orchestration_ack, then locks up to p_max_items of its new worker
-- items whose p_eligible flag is true, in worker_items order, for the caller: lock_token =
-- p_token_prefix || '.' || id (the form lock-tokens.ts `rowOfLockToken` reads, so ack, renew
-- and abandon work on them as on fetched leases), locked_until = now + p_lock_timeout_ms,
-- attempt_count + 1. With p_hold_ms > 0, when the turn had exactly one worker item and it was
-- locked, the instance's lease (which apply_orchestration_ack deleted) is put back with the same
-- token, until now + p_hold_ms. Sends no NOTIFY: the callers do, once.
--
-- Rows: kind 'ack' first (acked false = lease gone, nothing written, nothing else returned;
-- worker_ready = new items left unlocked; held_until set when the lease was kept), then one
-- kind 'lease' row per locked item, in worker_items order.
CREATE FUNCTION :DUROX_SCHEMA.apply_eager_turn(
  p_now_ms bigint, p_ack jsonb, p_eligible boolean[], p_max_items integer,
  p_lock_timeout_ms bigint, p_token_prefix text, p_hold_ms bigint
) RETURNS TABLE (
  kind text, acked boolean, orchestrator_ready integer, orchestrator_due bigint,
  worker_ready integer, targets text[], held_until bigint, work_id bigint, lock_token text,
  work_item text, attempt_count integer
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_instance_id text := p_ack ->> 'instance';
  v_token text := p_ack ->> 'token';
  v_result record;
  v_item record;
  v_id bigint;
  v_lease_token text;
  v_work_item text;
  v_attempts integer;
  v_ids bigint[] := '{}';
  v_tokens text[] := '{}';
  v_items text[] := '{}';
  v_attempt_counts integer[] := '{}';
  v_locked integer := 0;
  v_ready integer;
  v_held_until bigint;
BEGIN
  SELECT * INTO v_result FROM apply_orchestration_ack(p_now_ms, p_ack);
  IF NOT v_result.acked THEN
    kind := 'ack';
    acked := false;
    orchestrator_ready := 0;
    worker_ready := 0;
    RETURN NEXT;
    RETURN;
  END IF;
  v_ready := v_result.orchestrator_ready;

  IF coalesce(p_max_items, 0) > 0 AND jsonb_array_length(p_ack -> 'worker_items') > 0 THEN
    FOR v_item IN
      SELECT t.n, t.e ->> 'instance' AS instance, (t.e ->> 'execution_id')::bigint AS execution_id,
             (t.e ->> 'activity_id')::bigint AS activity_id
      FROM jsonb_array_elements(p_ack -> 'worker_items') WITH ORDINALITY AS t(e, n)
      WHERE coalesce(p_eligible[t.n::integer], false)
      ORDER BY t.n
    LOOP
      EXIT WHEN v_locked >= p_max_items;
      -- The row this ack just inserted for the item (apply_orchestration_ack does not return
      -- ids): the newest of its identity (idx_worker_identity), created now and unlocked. An
      -- item the same turn withdrew is gone and yields no lease. Only this transaction can see
      -- the row yet, so the lock never waits.
      v_id := NULL;
      SELECT w.id INTO v_id
      FROM worker_queue AS w
      WHERE w.instance_id = v_item.instance AND w.execution_id = v_item.execution_id
        AND w.activity_id = v_item.activity_id AND w.created_at = p_now_ms
        AND w.lock_token IS NULL
      ORDER BY w.id DESC
      LIMIT 1
      FOR UPDATE;
      CONTINUE WHEN v_id IS NULL;
      -- As fetch_work_items locks an item.
      v_lease_token := p_token_prefix || '.' || v_id;
      UPDATE worker_queue AS w
      SET lock_token = v_lease_token, locked_until = p_now_ms + p_lock_timeout_ms,
          attempt_count = w.attempt_count + 1
      WHERE w.id = v_id
      RETURNING w.work_item, w.attempt_count INTO v_work_item, v_attempts;
      v_ids := v_ids || v_id;
      v_tokens := v_tokens || v_lease_token;
      v_items := v_items || v_work_item;
      v_attempt_counts := v_attempt_counts || v_attempts;
      v_locked := v_locked + 1;
    END LOOP;
  END IF;

  -- Held turn: the lease stays the caller's for its one activity's completion. Messages that
  -- arrive meanwhile wait for the next turn's ack (ack_held_turn lets go when any wait) or the
  -- lease's expiry. apply_orchestration_ack deleted the row in this transaction, so a fetcher
  -- that tries to take the instance meanwhile waits for the commit and then sees the live lease.
  IF coalesce(p_hold_ms, 0) > 0 AND v_locked = 1
     AND jsonb_array_length(p_ack -> 'worker_items') = 1 THEN
    v_held_until := p_now_ms + p_hold_ms;
    INSERT INTO instance_locks (instance_id, lock_token, locked_until, locked_at)
    VALUES (v_instance_id, v_token, v_held_until, p_now_ms);
    -- apply_orchestration_ack counted waiting messages as fetchable once the lease was gone;
    -- they are not while it is held.
    IF EXISTS (SELECT 1 FROM orchestrator_queue AS q
               WHERE q.instance_id = v_instance_id AND q.visible_at <= p_now_ms) THEN
      v_ready := greatest(v_ready - 1, 0);
    END IF;
  END IF;

  kind := 'ack';
  acked := true;
  orchestrator_ready := v_ready;
  orchestrator_due := v_result.orchestrator_due;
  worker_ready := v_result.worker_ready - v_locked;
  targets := v_result.targets;
  held_until := v_held_until;
  RETURN NEXT;
  acked := NULL;
  orchestrator_ready := NULL;
  orchestrator_due := NULL;
  worker_ready := NULL;
  targets := NULL;
  held_until := NULL;
  FOR i IN 1 .. v_locked LOOP
    kind := 'lease';
    work_id := v_ids[i];
    lock_token := v_tokens[i];
    work_item := v_items[i];
    attempt_count := v_attempt_counts[i];
    RETURN NEXT;
  END LOOP;
END
$$;

-- A held turn: the next turn of an instance whose lease p_ack.token an earlier ack kept,
-- together with the activity completion it consumed, in the caller's transaction.
--   1. The activity's item is deleted under its live lease (p_work_id, p_work_token), as
--      ack_and_fetch's completion path does (session activity touched too). When the lease is
--      gone (expired, or the item withdrawn) the only row is kind 'lost' and nothing is
--      written: the result must not count, whatever the instance.
--   2. When the instance lease is still live with that token and no visible message waits for
--      the instance, the turn commits through apply_eager_turn (same eager and hold rules):
--      kind 'committed', then apply_eager_turn's rows ('ack', 'lease').
--   3. Otherwise nothing of the turn is written: the completion p_completion is enqueued as
--      ackWorkItem would, the lease is deleted if it is still the caller's, and the only row
--      is kind 'released' (orchestrator_ready 1, targets the instance). The turn then runs again
--      the usual way, with every waiting message.
-- Sends no NOTIFY: the caller does, once.
CREATE FUNCTION :DUROX_SCHEMA.apply_held_turn(
  p_now_ms bigint, p_ack jsonb, p_work_id bigint, p_work_token text,
  p_completion_instance text, p_completion text, p_eligible boolean[], p_max_items integer,
  p_lock_timeout_ms bigint, p_token_prefix text, p_hold_ms bigint
) RETURNS TABLE (
  kind text, acked boolean, orchestrator_ready integer, orchestrator_due bigint,
  worker_ready integer, targets text[], held_until bigint, work_id bigint, lock_token text,
  work_item text, attempt_count integer
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_instance_id text := p_ack ->> 'instance';
  v_token text := p_ack ->> 'token';
  v_session text;
  v_until bigint;
  v_live boolean;
BEGIN
  DELETE FROM worker_queue AS w
  WHERE w.id = p_work_id AND w.lock_token = p_work_token AND w.locked_until > p_now_ms
  RETURNING w.session_id INTO v_session;
  IF NOT FOUND THEN
    kind := 'lost';
    RETURN NEXT;
    RETURN;
  END IF;
  IF v_session IS NOT NULL THEN
    UPDATE sessions AS s SET last_activity_at = p_now_ms WHERE s.session_id = v_session;
  END IF;

  -- Locked as apply_orchestration_ack locks it (which then re-checks it), so a renew or
  -- abandon of the same lease cannot slip in between.
  SELECT l.locked_until INTO v_until
  FROM instance_locks AS l
  WHERE l.instance_id = v_instance_id AND l.lock_token = v_token
  FOR UPDATE;
  v_live := FOUND AND v_until > p_now_ms AND v_instance_id = p_completion_instance;

  IF v_live AND NOT EXISTS (SELECT 1 FROM orchestrator_queue AS q
                            WHERE q.instance_id = v_instance_id AND q.visible_at <= p_now_ms) THEN
    kind := 'committed';
    RETURN NEXT;
    RETURN QUERY
      SELECT * FROM apply_eager_turn(p_now_ms, p_ack, p_eligible, p_max_items, p_lock_timeout_ms,
                                     p_token_prefix, p_hold_ms);
    RETURN;
  END IF;

  INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
  VALUES (p_completion_instance, p_completion, p_now_ms, p_now_ms);
  -- Still the caller's (live or not): let go, so the completion and whatever waits can be
  -- fetched now. A lease another fetcher took over is not touched.
  DELETE FROM instance_locks AS l
  WHERE l.instance_id = v_instance_id AND l.lock_token = v_token;
  kind := 'released';
  orchestrator_ready := 1;
  worker_ready := 0;
  targets := ARRAY[p_completion_instance];
  RETURN NEXT;
END
$$;

-- ackOrchestrationItemEager and ackHeldTurn of one process, coalesced: the provider's calls that
-- arrive while a batch is in flight leave together as the next one (group commit, batcher.ts),
-- as its other acks do, so a busy runtime pays one transaction and one NOTIFY per batch. A
-- batch of one is the unloaded case. The requests belong to different instances (each holds
-- its own lease) and different activities, so their row locks never overlap and batches
-- cannot deadlock each other.
--
-- p_requests: [{ack, eligible: [bool per worker item], max_items, lock_timeout_ms,
--               token_prefix, hold_ms, held: null | {work_id, work_token, instance, completion}}]
-- A request without `held` is an eager ack (apply_eager_turn), one with it a held turn
-- (apply_held_turn). Rows: those of each request's function, tagged with its position
-- (request, 1-based), in order; one NOTIFY at the end for what is left for others.
CREATE FUNCTION :DUROX_SCHEMA.ack_eager_turns(
  p_now_ms bigint, p_origin text, p_requests jsonb
) RETURNS TABLE (
  request integer, kind text, acked boolean, orchestrator_ready integer, orchestrator_due bigint,
  worker_ready integer, held_until bigint, work_id bigint, lock_token text, work_item text,
  attempt_count integer
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_request record;
  v_eligible boolean[];
  v_rows refcursor;
  v_row record;
  v_orch integer := 0;
  v_due bigint;
  v_worker integer := 0;
  v_instances text[] := '{}';
BEGIN
  FOR v_request IN
    SELECT t.n::integer AS n, t.e -> 'ack' AS ack, t.e -> 'held' AS held,
           (t.e ->> 'max_items')::integer AS max_items,
           (t.e ->> 'lock_timeout_ms')::bigint AS lock_timeout_ms,
           t.e ->> 'token_prefix' AS token_prefix, (t.e ->> 'hold_ms')::bigint AS hold_ms,
           t.e -> 'eligible' AS eligible
    FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS t(e, n)
    ORDER BY t.n
  LOOP
    v_eligible := ARRAY(SELECT x::boolean FROM jsonb_array_elements_text(v_request.eligible) AS x);
    -- One function or the other per request (a cursor, so the loop below serves both).
    IF jsonb_typeof(v_request.held) = 'object' THEN
      OPEN v_rows FOR
        SELECT * FROM apply_held_turn(p_now_ms, v_request.ack, (v_request.held ->> 'work_id')::bigint,
                                      v_request.held ->> 'work_token', v_request.held ->> 'instance',
                                      v_request.held ->> 'completion', v_eligible,
                                      v_request.max_items, v_request.lock_timeout_ms,
                                      v_request.token_prefix, v_request.hold_ms);
    ELSE
      OPEN v_rows FOR
        SELECT * FROM apply_eager_turn(p_now_ms, v_request.ack, v_eligible, v_request.max_items,
                                       v_request.lock_timeout_ms, v_request.token_prefix,
                                       v_request.hold_ms);
    END IF;
    LOOP
      FETCH v_rows INTO v_row;
      EXIT WHEN NOT FOUND;
      IF (v_row.kind = 'ack' AND v_row.acked) OR v_row.kind = 'released' THEN
        v_orch := v_orch + v_row.orchestrator_ready;
        v_worker := v_worker + v_row.worker_ready;
        IF v_row.orchestrator_due IS NOT NULL THEN
          v_due := least(coalesce(v_due, v_row.orchestrator_due), v_row.orchestrator_due);
        END IF;
        v_instances := v_instances || v_row.targets;
      END IF;
      request := v_request.n;
      kind := v_row.kind;
      acked := v_row.acked;
      orchestrator_ready := v_row.orchestrator_ready;
      orchestrator_due := v_row.orchestrator_due;
      worker_ready := v_row.worker_ready;
      held_until := v_row.held_until;
      work_id := v_row.work_id;
      lock_token := v_row.lock_token;
      work_item := v_row.work_item;
      attempt_count := v_row.attempt_count;
      RETURN NEXT;
    END LOOP;
    CLOSE v_rows;
  END LOOP;

  IF cardinality(v_instances) > 0 OR v_worker > 0 THEN
    PERFORM notify_work(p_origin, v_orch, v_due, v_worker, NULL,
                        ARRAY(SELECT DISTINCT u FROM unnest(v_instances) AS u));
  END IF;
END
$$;
