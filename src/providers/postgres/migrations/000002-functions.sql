-- The hot paths as PL/pgSQL functions: each provider operation is ONE `SELECT fn(...)` round
-- trip, and the call is its own transaction (autocommit), so a turn commits or rolls back whole.
-- Fetch, ack and enqueue take batches (the provider coalesces concurrent calls), and
-- ack_and_fetch commits acks and fetches the next work in the same call.
--
-- Every function is created with `SET search_path = <schema>, pg_temp` and refers to its tables
-- unqualified. The schema name is therefore never spliced into a dollar-quoted body (where a
-- name containing `$$` could end the body early) and `current_schema()` inside a function is
-- the provider's schema, which derives the NOTIFY channel and the advisory-lock keys.
--
-- The hot-path functions also run with `enable_seqscan = off`. PL/pgSQL caches each statement's
-- plan for the life of the connection, and a plan made while the queue tables were small (a
-- fresh schema) would keep scanning them sequentially — through every dead row a busy queue
-- leaves between vacuums — long after they have grown. Every hot-path query is shaped for an
-- index, so this only ever rules out the wrong plan.
--
-- Variable naming: p_ = parameter, v_ = local; OUT parameters are only assigned at the end and
-- never read inside SQL, and `#variable_conflict use_column` makes any remaining clash between
-- an OUT name and a column resolve to the column.
--
-- Locking design (orchestrator queue)
-- -----------------------------------
-- The unit of exclusion is the instance, not the message row, so the orchestration fetch does
-- not lock queue rows to choose work. It walks the candidates (oldest visible message whose
-- instance has no live lease, in (visible_at, id) order) and for each one:
--   1. pg_try_advisory_xact_lock(key(schema, instance)) — the "SKIP LOCKED" of instances: a
--      fetcher that is busy with the same instance right now makes us skip it, without waiting,
--      and the loop moves on to the next candidate instead of reporting "no work" (duroxide-pg
--      0017). Never waiting on advisory locks is what rules out the fetch deadlocks duroxide-pg
--      hit with a blocking pg_advisory_xact_lock plus INSERT … ON CONFLICT on the lease table.
--   2. Upserts the lease, overwriting only an expired one. Fetchers of the same instance are
--      serialized by step 1, so the only concurrent writers of that lease row are its holder's
--      ack, renew and abandon; if one of them holds the row, the upsert waits for it (a few
--      statements) and then re-checks the expiry on the latest row version.
--   3. Tags every visible message of the instance with the new token (attempt_count + 1). If
--      none is left (an ack consumed them after the candidate query's snapshot), it deletes its
--      lease again and moves on.
-- The advisory lock is released when the fetch transaction ends, after the lease is committed
-- and visible, so a fetcher that gets the lock later always sees the live lease (every
-- statement of a VOLATILE function takes a fresh snapshot under READ COMMITTED).
--
-- The ack locks its lease row first (FOR UPDATE) and checks token and expiry before writing
-- anything, so an expired ack writes nothing and cannot interleave with a takeover. An ack
-- batch touches only rows of its own instances (each turn holds its own lease) plus new rows,
-- so batches never wait on each other in a cycle; a fetch in the same transaction (after the
-- acks) follows the same steps as above.
--
-- Worker queue: classic peek-lock, lowest id first, `FOR UPDATE SKIP LOCKED`. Session items
-- additionally take a try-advisory lock on the session (skipped when busy) before claiming it.

-- Publishes what a transaction made available, on the schema's channel. Delivered at commit
-- (never for a rolled-back transaction). Payload: s = origin (the provider that wrote it, which
-- ignores its own notifications since it signalled locally already), o/w = items ready now on
-- the orchestrator/worker queue, od/wd = earliest future visibility on each queue, i = instances
-- that may have changed ("*" when the list does not fit in a payload).
CREATE FUNCTION :DUROX_SCHEMA.notify_work(
  p_origin text, p_orch integer, p_orch_due bigint, p_worker integer, p_worker_due bigint,
  p_instances text[]
) RETURNS void
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
DECLARE
  v_payload text;
BEGIN
  v_payload := json_build_object('s', p_origin, 'o', p_orch, 'od', p_orch_due, 'w', p_worker,
                                 'wd', p_worker_due, 'i', p_instances)::text;
  IF octet_length(v_payload) > 7900 THEN
    v_payload := json_build_object('s', p_origin, 'o', p_orch, 'od', p_orch_due, 'w', p_worker,
                                   'wd', p_worker_due, 'i', '*')::text;
  END IF;
  PERFORM pg_notify('durox_' || left(md5(current_schema()), 24), v_payload);
END
$$;

-- ---- orchestrator queue -----------------------------------------------------------------------
--
-- Fetch, ack and enqueue take batches: the provider coalesces concurrent calls of one kind into
-- one function call (group commit), so a busy runtime pays one round trip, one transaction and
-- one NOTIFY per batch instead of per call. A batch of one is the unloaded case.

-- Locks up to cardinality(p_token_prefixes) instances (one per prefix, each the instance of the
-- oldest eligible message at that point) and returns one row per locked batch, with history
-- and committed KV; see the locking design above. With no eligible work at all, returns one row
-- whose instance_id is NULL and next_visible_at is the earliest delayed message (for the
-- caller's wake-up timer), so an empty poll costs one round trip too. History and messages come
-- back as text, decoded by the caller, so a corrupt row is reported (historyError) instead of
-- failing the fetch while the lease is held.
--
-- p_known lists long histories the caller has cached: {instance: [execution_id, created_at,
-- last_event_id, md5 of that event's text]}. When the locked instance's entry still matches
-- (same execution and incarnation, and the event it ends with is unchanged), only the events
-- after it are returned (history_after = its last event id), so a long-running instance's turn
-- does not re-read and re-send its whole history. Otherwise history_after = 0 and all of it.
CREATE FUNCTION :DUROX_SCHEMA.fetch_orchestration_items(
  p_now_ms bigint, p_lock_timeout_ms bigint, p_token_prefixes text[], p_known jsonb
) RETURNS TABLE (
  instance_id text, lock_token text, attempt_count integer, messages text[],
  orchestration_name text, orchestration_version text, execution_id bigint,
  instance_found boolean, created_at bigint, history_after bigint, history_json text,
  history_count integer, last_event_id bigint, last_event_md5 text, kv_snapshot json,
  next_visible_at bigint
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_wanted integer := coalesce(cardinality(p_token_prefixes), 0);
  v_found integer := 0;
  v_tried text[] := '{}';
  v_candidate text;
  v_token text;
  v_until bigint := p_now_ms + p_lock_timeout_ms;
  v_messages text[];
  v_attempts integer;
  v_name text;
  v_version text;
  v_execution bigint;
  v_instance_found boolean;
  v_created bigint;
  v_known jsonb;
  v_after bigint;
  v_md5 text;
  v_last bigint;
  v_history text;
  v_history_count integer;
  v_kv json;
  v_next bigint;
  v_lock_prefix text := 'durox/' || current_schema() || '/instance/';
BEGIN
  -- Bounded, so a pathological queue makes this poll return early rather than spin.
  FOR v_round IN 1..(64 + v_wanted) LOOP
    EXIT WHEN v_found >= v_wanted;
    v_candidate := NULL;
    SELECT q.instance_id INTO v_candidate
    FROM orchestrator_queue AS q
    WHERE q.visible_at <= p_now_ms
      AND q.instance_id <> ALL (v_tried)
      AND NOT EXISTS (
        SELECT 1 FROM instance_locks AS l
        WHERE l.instance_id = q.instance_id AND l.locked_until > p_now_ms)
    ORDER BY q.visible_at, q.id
    LIMIT 1;
    EXIT WHEN v_candidate IS NULL;
    v_tried := v_tried || v_candidate;

    CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtextextended(v_lock_prefix || v_candidate, 0));

    v_token := p_token_prefixes[v_found + 1] || ':' || v_candidate;
    INSERT INTO instance_locks AS l (instance_id, lock_token, locked_until, locked_at)
    VALUES (v_candidate, v_token, v_until, p_now_ms)
    ON CONFLICT (instance_id) DO UPDATE
      SET lock_token = excluded.lock_token, locked_until = excluded.locked_until,
          locked_at = excluded.locked_at
      WHERE l.locked_until <= p_now_ms;
    CONTINUE WHEN NOT FOUND;

    WITH tagged AS (
      UPDATE orchestrator_queue AS q
      SET lock_token = v_token, locked_until = v_until, attempt_count = q.attempt_count + 1
      WHERE q.instance_id = v_candidate AND q.visible_at <= p_now_ms
      RETURNING q.id, q.work_item, q.attempt_count)
    SELECT array_agg(t.work_item ORDER BY t.id), max(t.attempt_count)
    INTO v_messages, v_attempts
    FROM tagged AS t;
    IF v_messages IS NULL THEN
      DELETE FROM instance_locks AS l WHERE l.instance_id = v_candidate AND l.lock_token = v_token;
      CONTINUE;
    END IF;

    v_name := NULL;
    v_version := NULL;
    v_execution := NULL;
    v_created := NULL;
    SELECT i.orchestration_name, i.orchestration_version, i.current_execution_id, i.created_at
    INTO v_name, v_version, v_execution, v_created
    FROM instances AS i WHERE i.instance_id = v_candidate;
    v_instance_found := FOUND;
    v_execution := coalesce(v_execution, 1);

    v_after := 0;
    v_known := p_known -> v_candidate;
    IF v_known IS NOT NULL AND v_instance_found AND (v_known ->> 0)::bigint = v_execution
       AND (v_known ->> 1)::bigint = v_created THEN
      SELECT md5(h.event_data) INTO v_md5
      FROM history AS h
      WHERE h.instance_id = v_candidate AND h.execution_id = v_execution
        AND h.event_id = (v_known ->> 2)::bigint;
      IF v_md5 = v_known ->> 3 THEN
        v_after := (v_known ->> 2)::bigint;
      END IF;
    END IF;

    SELECT '[' || string_agg(h.event_data, ',' ORDER BY h.event_id) || ']', count(*)::integer,
           max(h.event_id)
    INTO v_history, v_history_count, v_last
    FROM history AS h
    WHERE h.instance_id = v_candidate AND h.execution_id = v_execution AND h.event_id > v_after;
    v_md5 := NULL;
    IF v_last IS NOT NULL THEN
      SELECT md5(h.event_data) INTO v_md5
      FROM history AS h
      WHERE h.instance_id = v_candidate AND h.execution_id = v_execution AND h.event_id = v_last;
    END IF;

    SELECT json_object_agg(k.key, json_build_array(k.value, k.last_updated_at_ms))
    INTO v_kv
    FROM kv_store AS k WHERE k.instance_id = v_candidate;

    v_found := v_found + 1;
    instance_id := v_candidate;
    lock_token := v_token;
    attempt_count := v_attempts;
    messages := v_messages;
    orchestration_name := v_name;
    orchestration_version := v_version;
    execution_id := v_execution;
    instance_found := v_instance_found;
    created_at := v_created;
    history_after := v_after;
    history_json := v_history;
    history_count := v_history_count;
    last_event_id := v_last;
    last_event_md5 := v_md5;
    kv_snapshot := v_kv;
    next_visible_at := NULL;
    RETURN NEXT;
  END LOOP;

  IF v_found = 0 THEN
    SELECT min(q.visible_at) INTO v_next FROM orchestrator_queue AS q WHERE q.visible_at > p_now_ms;
    next_visible_at := v_next;
    RETURN NEXT;
  END IF;
END
$$;

-- Commits one orchestration turn (an element of ack_orchestration_items' batch). Returns
-- acked = false, having written nothing, when the lease is unknown or expired. A duplicate event
-- id raises a unique violation, which rolls back the whole call (the caller then retries the
-- batch's acks one by one, so only the offending turn fails). Order matters: worker items are
-- inserted before cancelled activities are deleted (an activity scheduled and cancelled in one
-- turn never runs), and tagged messages are deleted last.
--
-- p_ack is a jsonb object:
--   instance, token, execution_id, name, version, parent, status, output, cs_set, cs,
--   history            [{id, type, data}]               data = the event's JSON text
--   worker_items       [{item, instance, execution_id, activity_id, session_id, tag}]
--   orchestrator_items [{instance, item, visible_at}]
--   cancelled          [{instance, execution_id, activity_id}]
--   kv                 [{op: set|clear|clearAll, key, value, ts}]   applied in order
CREATE FUNCTION :DUROX_SCHEMA.apply_orchestration_ack(
  p_now_ms bigint, p_ack jsonb,
  OUT acked boolean, OUT orchestrator_ready integer, OUT orchestrator_due bigint,
  OUT worker_ready integer, OUT targets text[]
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  p_instance_id text := p_ack ->> 'instance';
  p_lock_token text := p_ack ->> 'token';
  p_execution_id bigint := (p_ack ->> 'execution_id')::bigint;
  p_name text := p_ack ->> 'name';
  p_version text := p_ack ->> 'version';
  p_parent_id text := p_ack ->> 'parent';
  p_status text := p_ack ->> 'status';
  p_output text := p_ack ->> 'output';
  p_history jsonb := p_ack -> 'history';
  p_worker_items jsonb := p_ack -> 'worker_items';
  p_orchestrator_items jsonb := p_ack -> 'orchestrator_items';
  p_cancelled jsonb := p_ack -> 'cancelled';
  p_kv jsonb := p_ack -> 'kv';
  v_until bigint;
  v_terminal boolean := p_status IN ('Completed', 'Failed', 'ContinuedAsNew');
  v_orch_ready integer := 0;
  v_orch_due bigint;
  v_worker_ready integer := 0;
  v_targets text[];
  v_mutation record;
BEGIN
  SELECT l.locked_until INTO v_until
  FROM instance_locks AS l
  WHERE l.instance_id = p_instance_id AND l.lock_token = p_lock_token
  FOR UPDATE;
  IF NOT FOUND OR v_until <= p_now_ms THEN
    acked := false;
    orchestrator_ready := 0;
    worker_ready := 0;
    RETURN;
  END IF;

  -- The instance row is created only when the ack names the orchestration; the first parent
  -- id sticks, a missing version keeps the stored one, and the execution id only moves forward.
  -- `status` mirrors the current execution: Running when a new execution starts, the reported
  -- status when the current one reports one, else unchanged.
  IF p_name IS NOT NULL THEN
    INSERT INTO instances AS i (instance_id, orchestration_name, orchestration_version,
                                current_execution_id, created_at, updated_at, parent_instance_id,
                                status)
    VALUES (p_instance_id, p_name, p_version, p_execution_id, p_now_ms, p_now_ms, p_parent_id,
            coalesce(p_status, 'Running'))
    ON CONFLICT (instance_id) DO UPDATE SET
      orchestration_name = excluded.orchestration_name,
      orchestration_version = coalesce(excluded.orchestration_version, i.orchestration_version),
      current_execution_id = greatest(i.current_execution_id, excluded.current_execution_id),
      parent_instance_id = coalesce(i.parent_instance_id, excluded.parent_instance_id),
      updated_at = excluded.updated_at,
      status = CASE
        WHEN excluded.current_execution_id > i.current_execution_id THEN excluded.status
        WHEN excluded.current_execution_id = i.current_execution_id THEN coalesce(p_status, i.status)
        ELSE i.status END;
  ELSE
    UPDATE instances AS i
    SET current_execution_id = greatest(i.current_execution_id, p_execution_id), updated_at = p_now_ms,
        status = CASE
          WHEN p_execution_id > i.current_execution_id THEN coalesce(p_status, 'Running')
          WHEN p_execution_id = i.current_execution_id THEN coalesce(p_status, i.status)
          ELSE i.status END
    WHERE i.instance_id = p_instance_id;
  END IF;

  -- The execution row exists from the first ack of the execution (Running unless a status is
  -- reported); a reported status overwrites status and output.
  -- (Without a status, DO NOTHING: a DO UPDATE whose WHERE fails would still lock — and so
  -- write — the existing row on every turn.)
  IF p_status IS NULL THEN
    INSERT INTO executions AS e (instance_id, execution_id, status, output, started_at, completed_at)
    SELECT p_instance_id, p_execution_id, 'Running', NULL, p_now_ms, NULL
    WHERE EXISTS (SELECT 1 FROM instances AS i WHERE i.instance_id = p_instance_id)
    ON CONFLICT (instance_id, execution_id) DO NOTHING;
  ELSE
    INSERT INTO executions AS e (instance_id, execution_id, status, output, started_at, completed_at)
    SELECT p_instance_id, p_execution_id, p_status, p_output, p_now_ms,
           CASE WHEN v_terminal THEN p_now_ms END
    WHERE EXISTS (SELECT 1 FROM instances AS i WHERE i.instance_id = p_instance_id)
    ON CONFLICT (instance_id, execution_id) DO UPDATE SET
      status = excluded.status, output = excluded.output, completed_at = excluded.completed_at;
  END IF;

  IF jsonb_array_length(p_history) > 0 THEN
    INSERT INTO history (instance_id, execution_id, event_id, event_type, event_data, created_at)
    SELECT p_instance_id, p_execution_id, x.id, x.type, x.data, p_now_ms
    FROM jsonb_to_recordset(p_history) AS x(id bigint, type text, data text);
  END IF;

  IF (p_ack ->> 'cs_set')::boolean THEN
    UPDATE instances AS i
    SET custom_status = p_ack ->> 'cs', custom_status_version = i.custom_status_version + 1
    WHERE i.instance_id = p_instance_id;
  END IF;

  -- KV: the turn's mutations go to the delta in order (NULL value = tombstone) …
  IF jsonb_array_length(p_kv) > 0 THEN
    FOR v_mutation IN
      SELECT t.e ->> 'op' AS op, t.e ->> 'key' AS key, t.e ->> 'value' AS value,
             (t.e ->> 'ts')::bigint AS ts
      FROM jsonb_array_elements(p_kv) WITH ORDINALITY AS t(e, n)
      ORDER BY t.n
    LOOP
      IF v_mutation.op = 'set' THEN
        INSERT INTO kv_delta AS d (instance_id, key, value, last_updated_at_ms)
        VALUES (p_instance_id, v_mutation.key, v_mutation.value, v_mutation.ts)
        ON CONFLICT (instance_id, key) DO UPDATE
          SET value = excluded.value, last_updated_at_ms = excluded.last_updated_at_ms;
      ELSIF v_mutation.op = 'clear' THEN
        INSERT INTO kv_delta AS d (instance_id, key, value, last_updated_at_ms)
        VALUES (p_instance_id, v_mutation.key, NULL, p_now_ms)
        ON CONFLICT (instance_id, key) DO UPDATE
          SET value = NULL, last_updated_at_ms = excluded.last_updated_at_ms;
      ELSE
        INSERT INTO kv_delta AS d (instance_id, key, value, last_updated_at_ms)
        SELECT s.instance_id, s.key, NULL, p_now_ms FROM kv_store AS s WHERE s.instance_id = p_instance_id
        ON CONFLICT (instance_id, key) DO UPDATE
          SET value = NULL, last_updated_at_ms = excluded.last_updated_at_ms;
        UPDATE kv_delta AS d SET value = NULL, last_updated_at_ms = p_now_ms
        WHERE d.instance_id = p_instance_id;
      END IF;
    END LOOP;
  END IF;

  -- … and fold into the committed store when the execution ends.
  IF v_terminal AND EXISTS (SELECT 1 FROM kv_delta AS d WHERE d.instance_id = p_instance_id) THEN
    DELETE FROM kv_store AS s USING kv_delta AS d
    WHERE s.instance_id = p_instance_id AND d.instance_id = p_instance_id AND d.key = s.key
      AND d.value IS NULL;
    INSERT INTO kv_store AS s (instance_id, key, value, last_updated_at_ms)
    SELECT d.instance_id, d.key, d.value, d.last_updated_at_ms
    FROM kv_delta AS d WHERE d.instance_id = p_instance_id AND d.value IS NOT NULL
    ON CONFLICT (instance_id, key) DO UPDATE
      SET value = excluded.value, last_updated_at_ms = excluded.last_updated_at_ms;
    DELETE FROM kv_delta AS d WHERE d.instance_id = p_instance_id;
  END IF;

  IF jsonb_array_length(p_worker_items) > 0 THEN
    INSERT INTO worker_queue (work_item, visible_at, instance_id, execution_id, activity_id,
                              session_id, tag, created_at)
    SELECT t.e ->> 'item', p_now_ms, t.e ->> 'instance', (t.e ->> 'execution_id')::bigint,
           (t.e ->> 'activity_id')::bigint, t.e ->> 'session_id', t.e ->> 'tag', p_now_ms
    FROM jsonb_array_elements(p_worker_items) WITH ORDINALITY AS t(e, n)
    ORDER BY t.n;
    GET DIAGNOSTICS v_worker_ready = ROW_COUNT;
  END IF;

  -- After the inserts, so an activity scheduled and cancelled in one turn never runs. Missing
  -- rows (already finished) are fine; a running one makes its worker's renew/ack fail.
  IF jsonb_array_length(p_cancelled) > 0 THEN
    DELETE FROM worker_queue AS w
    USING jsonb_to_recordset(p_cancelled) AS c(instance text, execution_id bigint, activity_id bigint)
    WHERE w.instance_id = c.instance AND w.execution_id = c.execution_id
      AND w.activity_id = c.activity_id;
  END IF;

  IF jsonb_array_length(p_orchestrator_items) > 0 THEN
    WITH inserted AS (
      INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
      SELECT t.e ->> 'instance', t.e ->> 'item', (t.e ->> 'visible_at')::bigint, p_now_ms
      FROM jsonb_array_elements(p_orchestrator_items) WITH ORDINALITY AS t(e, n)
      ORDER BY t.n
      RETURNING instance_id, visible_at)
    SELECT count(*) FILTER (WHERE x.visible_at <= p_now_ms)::integer,
           min(x.visible_at) FILTER (WHERE x.visible_at > p_now_ms),
           array_agg(DISTINCT x.instance_id)
    INTO v_orch_ready, v_orch_due, v_targets
    FROM inserted AS x;
  END IF;

  DELETE FROM orchestrator_queue AS q
  WHERE q.instance_id = p_instance_id AND q.lock_token = p_lock_token;
  DELETE FROM instance_locks AS l WHERE l.instance_id = p_instance_id;

  -- Messages that arrived during the turn become fetchable now that the lease is gone.
  IF EXISTS (SELECT 1 FROM orchestrator_queue AS q
             WHERE q.instance_id = p_instance_id AND q.visible_at <= p_now_ms) THEN
    v_orch_ready := v_orch_ready + 1;
  END IF;

  acked := true;
  orchestrator_ready := v_orch_ready;
  orchestrator_due := v_orch_due;
  worker_ready := v_worker_ready;
  targets := array_append(coalesce(v_targets, '{}'), p_instance_id);
END
$$;

-- Releases a lease without committing; its messages become visible again at p_now_ms + p_delay_ms
-- (or stay as they are without a delay). The token alone decides (an expired lease may still be
-- abandoned by its holder, as long as nobody took it over). Returns false for an unknown token.
CREATE FUNCTION :DUROX_SCHEMA.abandon_orchestration_item(
  p_instance_id text, p_lock_token text, p_now_ms bigint, p_delay_ms bigint,
  p_ignore_attempt boolean, p_origin text
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
DECLARE
  v_delayed boolean := coalesce(p_delay_ms, 0) > 0;
BEGIN
  DELETE FROM instance_locks AS l WHERE l.instance_id = p_instance_id AND l.lock_token = p_lock_token;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE orchestrator_queue AS q
  SET lock_token = NULL, locked_until = NULL,
      visible_at = CASE WHEN v_delayed THEN p_now_ms + p_delay_ms ELSE q.visible_at END,
      attempt_count = CASE WHEN p_ignore_attempt THEN greatest(q.attempt_count - 1, 0)
                           ELSE q.attempt_count END
  WHERE q.instance_id = p_instance_id AND q.lock_token = p_lock_token;
  IF v_delayed THEN
    PERFORM notify_work(p_origin, 0, p_now_ms + p_delay_ms, 0, NULL, ARRAY[p_instance_id]);
  ELSE
    PERFORM notify_work(p_origin, 1, NULL, 0, NULL, ARRAY[p_instance_id]);
  END IF;
  RETURN true;
END
$$;

-- Extends a live lease (and its messages' lock times) to p_now_ms + p_extend_ms, in
-- milliseconds. Returns false when the lease expired or is unknown.
CREATE FUNCTION :DUROX_SCHEMA.renew_orchestration_item_lock(
  p_instance_id text, p_lock_token text, p_now_ms bigint, p_extend_ms bigint
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
BEGIN
  UPDATE instance_locks AS l SET locked_until = p_now_ms + p_extend_ms
  WHERE l.instance_id = p_instance_id AND l.lock_token = p_lock_token AND l.locked_until > p_now_ms;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE orchestrator_queue AS q SET locked_until = p_now_ms + p_extend_ms
  WHERE q.instance_id = p_instance_id AND q.lock_token = p_lock_token;
  RETURN true;
END
$$;

-- Inserts a batch of messages ([{instance, item, visible_at}], never creating instances) in
-- order and announces them with one NOTIFY.
CREATE FUNCTION :DUROX_SCHEMA.enqueue_orchestrator_items(
  p_now_ms bigint, p_items jsonb, p_origin text
) RETURNS void
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
DECLARE
  v_ready integer;
  v_due bigint;
  v_instances text[];
BEGIN
  WITH inserted AS (
    INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
    SELECT t.e ->> 'instance', t.e ->> 'item', (t.e ->> 'visible_at')::bigint, p_now_ms
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(e, n)
    ORDER BY t.n
    RETURNING instance_id, visible_at)
  SELECT count(*) FILTER (WHERE x.visible_at <= p_now_ms)::integer,
         min(x.visible_at) FILTER (WHERE x.visible_at > p_now_ms),
         array_agg(DISTINCT x.instance_id)
  INTO v_ready, v_due, v_instances
  FROM inserted AS x;
  PERFORM notify_work(p_origin, v_ready, v_due, 0, NULL, v_instances);
END
$$;

-- ---- worker queue -----------------------------------------------------------------------------

-- Locks up to cardinality(p_token_prefixes) items for as many callers — for the n-th caller the
-- lowest-id visible, unlocked item allowed by the tag filter and its session rules at that
-- point — and returns one row per locked item, tagged with its caller (1-based). Tag filter: p_any_tag (any), else
-- untagged items when p_default_tag, plus items whose tag is in p_tags. Without an owner
-- (p_owner_ids NULL, or a NULL element) session items are invisible to that caller; with one,
-- items of sessions that are unowned, expired or already that owner's qualify, and the fetch
-- claims the session for it.
CREATE FUNCTION :DUROX_SCHEMA.fetch_work_items(
  p_now_ms bigint, p_lock_timeout_ms bigint, p_token_prefixes text[],
  p_any_tag boolean, p_default_tag boolean, p_tags text[],
  p_owner_ids text[], p_session_lock_timeout_ms bigint
) RETURNS TABLE (caller integer, id bigint, lock_token text, work_item text, attempt_count integer)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_wanted integer := coalesce(cardinality(p_token_prefixes), 0);
  v_caller integer := 1;
  v_budget integer := 32 + v_wanted;
  v_id bigint;
  v_session text;
  v_excluded text[] := '{}';
  v_token text;
  v_item text;
  v_attempts integer;
  v_owner text;
  v_lock_prefix text := 'durox/' || current_schema() || '/session/';
BEGIN
  -- An expired lock is the same as no lock; releasing first keeps re-deliveries in FIFO order
  -- and lets the candidate query use the partial index of unlocked rows. Usually a probe of
  -- idx_worker_expiry that finds nothing.
  IF EXISTS (SELECT 1 FROM worker_queue AS x
             WHERE x.lock_token IS NOT NULL AND x.locked_until <= p_now_ms) THEN
    UPDATE worker_queue AS w SET lock_token = NULL, locked_until = NULL
    FROM (
      SELECT x.id FROM worker_queue AS x
      WHERE x.lock_token IS NOT NULL AND x.locked_until <= p_now_ms
      FOR UPDATE SKIP LOCKED) AS expired
    WHERE w.id = expired.id;
  END IF;

  -- Bounded, so a pathological queue makes this poll return early rather than spin.
  WHILE v_caller <= v_wanted AND v_budget > 0 LOOP
    v_budget := v_budget - 1;
    v_id := NULL;
    v_owner := p_owner_ids[v_caller];
    -- Rows locked (and so updated) earlier in this call no longer match `lock_token IS NULL`.
    SELECT q.id, q.session_id INTO v_id, v_session
    FROM worker_queue AS q
    WHERE q.lock_token IS NULL AND q.visible_at <= p_now_ms
      AND (p_any_tag OR (q.tag IS NULL AND p_default_tag) OR q.tag = ANY (p_tags))
      AND (q.session_id IS NULL OR (
        v_owner IS NOT NULL AND q.session_id <> ALL (v_excluded)
        AND NOT EXISTS (
          SELECT 1 FROM sessions AS s
          WHERE s.session_id = q.session_id AND s.locked_until > p_now_ms AND s.worker_id <> v_owner)))
    ORDER BY q.id
    LIMIT 1
    FOR UPDATE OF q SKIP LOCKED;
    IF v_id IS NULL THEN
      -- Nothing for this caller; the next one may own a session this one may not take.
      v_caller := v_caller + 1;
      v_excluded := '{}';
      CONTINUE;
    END IF;

    IF v_session IS NOT NULL THEN
      -- Another fetcher claiming this session right now: leave the session to it.
      IF NOT pg_try_advisory_xact_lock(hashtextextended(v_lock_prefix || v_session, 0)) THEN
        v_excluded := v_excluded || v_session;
        CONTINUE;
      END IF;
      INSERT INTO sessions AS s (session_id, worker_id, locked_until, last_activity_at)
      VALUES (v_session, v_owner, p_now_ms + p_session_lock_timeout_ms, p_now_ms)
      ON CONFLICT (session_id) DO UPDATE
        SET worker_id = excluded.worker_id, locked_until = excluded.locked_until,
            last_activity_at = excluded.last_activity_at
        WHERE s.locked_until <= p_now_ms OR s.worker_id = v_owner;
      IF NOT FOUND THEN
        v_excluded := v_excluded || v_session;
        CONTINUE;
      END IF;
    END IF;

    v_token := p_token_prefixes[v_caller] || '.' || v_id;
    UPDATE worker_queue AS w
    SET lock_token = v_token, locked_until = p_now_ms + p_lock_timeout_ms,
        attempt_count = w.attempt_count + 1
    WHERE w.id = v_id
    RETURNING w.work_item, w.attempt_count INTO v_item, v_attempts;

    caller := v_caller;
    id := v_id;
    lock_token := v_token;
    work_item := v_item;
    attempt_count := v_attempts;
    RETURN NEXT;
    v_caller := v_caller + 1;
    v_excluded := '{}';
  END LOOP;
END
$$;

-- Extends a live lease (ms precision); false means the activity was withdrawn or its lock lost.
CREATE FUNCTION :DUROX_SCHEMA.renew_work_item_lock(
  p_id bigint, p_lock_token text, p_now_ms bigint, p_extend_ms bigint
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
DECLARE
  v_session text;
BEGIN
  UPDATE worker_queue AS w SET locked_until = p_now_ms + p_extend_ms
  WHERE w.id = p_id AND w.lock_token = p_lock_token AND w.locked_until > p_now_ms
  RETURNING w.session_id INTO v_session;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF v_session IS NOT NULL THEN
    UPDATE sessions AS s SET last_activity_at = p_now_ms WHERE s.session_id = v_session;
  END IF;
  RETURN true;
END
$$;

-- Releases the lease; the item becomes visible again at p_now_ms + p_delay_ms (now without a
-- delay). Returns false for an unknown or already released token.
CREATE FUNCTION :DUROX_SCHEMA.abandon_work_item(
  p_id bigint, p_lock_token text, p_now_ms bigint, p_delay_ms bigint, p_ignore_attempt boolean,
  p_origin text
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
DECLARE
  v_visible_at bigint := p_now_ms + greatest(coalesce(p_delay_ms, 0), 0);
BEGIN
  UPDATE worker_queue AS w
  SET lock_token = NULL, locked_until = NULL, visible_at = v_visible_at,
      attempt_count = CASE WHEN p_ignore_attempt THEN greatest(w.attempt_count - 1, 0)
                           ELSE w.attempt_count END
  WHERE w.id = p_id AND w.lock_token = p_lock_token;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF v_visible_at > p_now_ms THEN
    PERFORM notify_work(p_origin, 0, NULL, 0, v_visible_at, '{}');
  ELSE
    PERFORM notify_work(p_origin, 0, NULL, 1, NULL, '{}');
  END IF;
  RETURN true;
END
$$;

-- Inserts an activity item directly (tests and tools) and announces it.
CREATE FUNCTION :DUROX_SCHEMA.enqueue_worker_work(
  p_work_item text, p_instance_id text, p_execution_id bigint, p_activity_id bigint,
  p_session_id text, p_tag text, p_now_ms bigint, p_origin text
) RETURNS void
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
BEGIN
  INSERT INTO worker_queue (work_item, visible_at, instance_id, execution_id, activity_id,
                            session_id, tag, created_at)
  VALUES (p_work_item, p_now_ms, p_instance_id, p_execution_id, p_activity_id, p_session_id,
          p_tag, p_now_ms);
  PERFORM notify_work(p_origin, 0, NULL, 1, NULL, '{}');
END
$$;

-- ---- acks, with the next fetches in the same round trip --------------------------------------

-- Commits a batch of orchestration turns (apply_orchestration_ack objects) and of activity
-- completions ([{id, token, instance, completion}]) in one transaction, then — optionally —
-- fetches orchestration batches (as fetch_orchestration_items) and activities (as
-- fetch_work_items) in the same transaction, and announces what is left for others with one
-- NOTIFY. This is how the provider group-commits acks and lets a dispatcher's ack bring its
-- next item, or hand new work straight to an idle dispatcher of the same process (see
-- prefetch.ts): one round trip where an ack and a fetch would take two.
--
-- Rows, by kind (in this order):
--   'ack'      one per turn, in order: acked (false = lease gone, nothing written), counts
--   'work_ack' one per completion, in order: acked (false = lease expired or item withdrawn)
--   'batch'    a fetched orchestration batch (fetch_orchestration_items columns)
--   'next'     no batch was available: next_visible_at = the earliest delayed message
--   'lease'    a fetched activity for caller n (1-based): caller, work_id, lock_token, ...
-- The turns of one batch belong to different instances (each holds its own lease) and the
-- completions to different activities, so their row locks never overlap: batches cannot
-- deadlock each other.
CREATE FUNCTION :DUROX_SCHEMA.ack_and_fetch(
  p_now_ms bigint, p_origin text, p_turns jsonb, p_completions jsonb,
  p_orch_lock_timeout_ms bigint, p_orch_prefixes text[], p_known jsonb,
  p_work_lock_timeout_ms bigint, p_work_prefixes text[], p_any_tag boolean,
  p_default_tag boolean, p_tags text[], p_owner_ids text[], p_session_lock_timeout_ms bigint
) RETURNS TABLE (
  kind text, acked boolean, orchestrator_ready integer, orchestrator_due bigint,
  worker_ready integer, instance_id text, lock_token text, attempt_count integer,
  messages text[], orchestration_name text, orchestration_version text, execution_id bigint,
  instance_found boolean, created_at bigint, history_after bigint, history_json text,
  history_count integer, last_event_id bigint, last_event_md5 text, kv_snapshot json,
  next_visible_at bigint, caller integer, work_id bigint, work_item text
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_ack jsonb;
  v_done record;
  v_result record;
  v_item record;
  v_session text;
  v_orch integer := 0;
  v_due bigint;
  v_worker integer := 0;
  v_taken_orch integer := 0;
  v_taken_work integer := 0;
  v_instances text[] := '{}';
BEGIN
  IF jsonb_array_length(coalesce(p_turns, '[]')) > 0 THEN
    FOR v_ack IN
      SELECT t.e FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS t(e, n) ORDER BY t.n
    LOOP
      SELECT * INTO v_result FROM apply_orchestration_ack(p_now_ms, v_ack);
      IF v_result.acked THEN
        v_orch := v_orch + v_result.orchestrator_ready;
        v_worker := v_worker + v_result.worker_ready;
        IF v_result.orchestrator_due IS NOT NULL THEN
          v_due := least(coalesce(v_due, v_result.orchestrator_due), v_result.orchestrator_due);
        END IF;
        v_instances := v_instances || v_result.targets;
      END IF;
      kind := 'ack';
      acked := v_result.acked;
      orchestrator_ready := v_result.orchestrator_ready;
      orchestrator_due := v_result.orchestrator_due;
      worker_ready := v_result.worker_ready;
      RETURN NEXT;
    END LOOP;
  END IF;
  orchestrator_ready := NULL;
  orchestrator_due := NULL;
  worker_ready := NULL;

  IF jsonb_array_length(coalesce(p_completions, '[]')) > 0 THEN
    FOR v_done IN
      SELECT (t.e ->> 'id')::bigint AS id, t.e ->> 'token' AS token, t.e ->> 'instance' AS instance,
             t.e ->> 'completion' AS completion
      FROM jsonb_array_elements(p_completions) WITH ORDINALITY AS t(e, n)
      ORDER BY t.n
    LOOP
      kind := 'work_ack';
      -- Deleted only under a live lease of this token: an expired or withdrawn (cancelled)
      -- item yields no row, and nothing is written for it.
      DELETE FROM worker_queue AS w
      WHERE w.id = v_done.id AND w.lock_token = v_done.token AND w.locked_until > p_now_ms
      RETURNING w.session_id INTO v_session;
      IF NOT FOUND THEN
        acked := false;
        RETURN NEXT;
        CONTINUE;
      END IF;
      IF v_done.completion IS NOT NULL THEN
        INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
        VALUES (v_done.instance, v_done.completion, p_now_ms, p_now_ms);
        v_orch := v_orch + 1;
        v_instances := v_instances || v_done.instance;
      END IF;
      IF v_session IS NOT NULL THEN
        UPDATE sessions AS s SET last_activity_at = p_now_ms WHERE s.session_id = v_session;
      END IF;
      acked := true;
      RETURN NEXT;
    END LOOP;
  END IF;
  acked := NULL;

  IF coalesce(cardinality(p_orch_prefixes), 0) > 0 THEN
    FOR v_item IN
      SELECT * FROM fetch_orchestration_items(p_now_ms, p_orch_lock_timeout_ms, p_orch_prefixes, p_known)
    LOOP
      kind := CASE WHEN v_item.instance_id IS NULL THEN 'next' ELSE 'batch' END;
      instance_id := v_item.instance_id;
      lock_token := v_item.lock_token;
      attempt_count := v_item.attempt_count;
      messages := v_item.messages;
      orchestration_name := v_item.orchestration_name;
      orchestration_version := v_item.orchestration_version;
      execution_id := v_item.execution_id;
      instance_found := v_item.instance_found;
      created_at := v_item.created_at;
      history_after := v_item.history_after;
      history_json := v_item.history_json;
      history_count := v_item.history_count;
      last_event_id := v_item.last_event_id;
      last_event_md5 := v_item.last_event_md5;
      kv_snapshot := v_item.kv_snapshot;
      next_visible_at := v_item.next_visible_at;
      RETURN NEXT;
      IF v_item.instance_id IS NOT NULL THEN
        v_taken_orch := v_taken_orch + 1;
      END IF;
    END LOOP;
    instance_id := NULL;
    messages := NULL;
    history_json := NULL;
    kv_snapshot := NULL;
    next_visible_at := NULL;
  END IF;

  IF coalesce(cardinality(p_work_prefixes), 0) > 0 THEN
    FOR v_item IN
      SELECT * FROM fetch_work_items(p_now_ms, p_work_lock_timeout_ms, p_work_prefixes, p_any_tag,
                                     p_default_tag, p_tags, p_owner_ids, p_session_lock_timeout_ms)
    LOOP
      kind := 'lease';
      caller := v_item.caller;
      work_id := v_item.id;
      lock_token := v_item.lock_token;
      work_item := v_item.work_item;
      attempt_count := v_item.attempt_count;
      RETURN NEXT;
      v_taken_work := v_taken_work + 1;
    END LOOP;
  END IF;

  IF cardinality(v_instances) > 0 OR v_worker > 0 THEN
    PERFORM notify_work(p_origin, greatest(v_orch - v_taken_orch, 0), v_due,
                        greatest(v_worker - v_taken_work, 0), NULL,
                        ARRAY(SELECT DISTINCT u FROM unnest(v_instances) AS u));
  END IF;
END
$$;

-- ---- management -------------------------------------------------------------------------------

-- Deletes the listed instances with everything they own (also ids that only have queued
-- messages), atomically. Outcome 'running' (with the offender, nothing deleted) when one is not
-- terminal and p_force is false; 'orphan' (with the child and its parent) when a child of a
-- listed instance is not listed, e.g. spawned after the caller read the tree; else 'ok' with
-- counts. The listed rows are locked first, in id order, so concurrent deletes of overlapping
-- sets queue up instead of deadlocking. Deleting the lease is what stops an in-flight turn of
-- a force-deleted instance from recreating it: its ack finds no lease. Waiters on the deleted
-- instances are notified.
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
    WHERE i.instance_id = ANY (p_ids) AND i.status NOT IN ('Completed', 'Failed')
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

-- Deletes terminal (Completed/Failed) root instances matching the filter — oldest first, at
-- most p_limit — each with all its descendants (whatever their status), in one transaction.
-- Returns the deleted ids too, for wake-ups.
CREATE FUNCTION :DUROX_SCHEMA.delete_instance_bulk(
  p_ids text[], p_completed_before bigint, p_limit integer, p_origin text,
  OUT instances_deleted bigint, OUT executions_deleted bigint, OUT events_deleted bigint,
  OUT queue_messages_deleted bigint, OUT instance_ids text[]
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_all text[];
  v_result record;
BEGIN
  WITH RECURSIVE roots AS (
    SELECT i.instance_id
    FROM instances AS i
    LEFT JOIN executions AS e
      ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
    WHERE i.parent_instance_id IS NULL
      AND i.status IN ('Completed', 'Failed')
      AND (p_ids IS NULL OR i.instance_id = ANY (p_ids))
      AND (p_completed_before IS NULL OR e.completed_at < p_completed_before)
    ORDER BY i.created_at, i.instance_id
    LIMIT p_limit
  ), tree AS (
    SELECT r.instance_id FROM roots AS r
    UNION
    SELECT c.instance_id FROM instances AS c JOIN tree AS t ON c.parent_instance_id = t.instance_id
  )
  SELECT array_agg(t.instance_id) INTO v_all FROM tree AS t;

  IF v_all IS NULL THEN
    instances_deleted := 0;
    executions_deleted := 0;
    events_deleted := 0;
    queue_messages_deleted := 0;
    instance_ids := '{}';
    RETURN;
  END IF;
  SELECT * INTO v_result FROM delete_instances(v_all, true, p_origin);
  instances_deleted := v_result.instances_deleted;
  executions_deleted := v_result.executions_deleted;
  events_deleted := v_result.events_deleted;
  queue_messages_deleted := v_result.queue_messages_deleted;
  instance_ids := v_all;
END
$$;

-- Deletes old executions of one instance: never the current one, never a running one, only
-- those outside the newest max(p_keep_last, 1) and completed before the cutoff (when given).
-- KV state is instance-wide and untouched. instance_found = false for an unknown instance.
CREATE FUNCTION :DUROX_SCHEMA.prune_executions(
  p_instance_id text, p_keep_last integer, p_completed_before bigint,
  OUT instance_found boolean, OUT executions_deleted bigint, OUT events_deleted bigint
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_current bigint;
  v_victims bigint[];
  v_count bigint;
BEGIN
  SELECT i.current_execution_id INTO v_current FROM instances AS i WHERE i.instance_id = p_instance_id;
  IF NOT FOUND THEN
    instance_found := false;
    executions_deleted := 0;
    events_deleted := 0;
    RETURN;
  END IF;
  instance_found := true;
  SELECT array_agg(e.execution_id) INTO v_victims
  FROM executions AS e
  WHERE e.instance_id = p_instance_id
    AND e.execution_id < v_current
    AND e.status <> 'Running'
    AND (p_completed_before IS NULL OR e.completed_at < p_completed_before)
    AND e.execution_id NOT IN (
      SELECT k.execution_id FROM executions AS k WHERE k.instance_id = p_instance_id
      ORDER BY k.execution_id DESC LIMIT greatest(coalesce(p_keep_last, 1), 1));
  IF v_victims IS NULL THEN
    executions_deleted := 0;
    events_deleted := 0;
    RETURN;
  END IF;
  DELETE FROM history AS h WHERE h.instance_id = p_instance_id AND h.execution_id = ANY (v_victims);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  events_deleted := v_count;
  DELETE FROM executions AS e WHERE e.instance_id = p_instance_id AND e.execution_id = ANY (v_victims);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  executions_deleted := v_count;
END
$$;

-- prune_executions for up to p_limit instances (any status, running included: an eternal
-- continue-as-new instance is what pruning is for) that have something to prune, oldest first.
-- Selecting only those lets repeated bulk prunes of a large store progress. The filter's
-- completed-before cutoff applies to executions like the option's (the earlier one wins): a
-- running instance has no completion time. instances_processed counts the instances pruned.
CREATE FUNCTION :DUROX_SCHEMA.prune_executions_bulk(
  p_ids text[], p_limit integer, p_keep_last integer, p_completed_before bigint,
  OUT instances_processed bigint, OUT executions_deleted bigint, OUT events_deleted bigint
)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_keep integer := greatest(coalesce(p_keep_last, 1), 1);
  v_instance text;
  v_result record;
  v_instances bigint := 0;
  v_executions bigint := 0;
  v_events bigint := 0;
BEGIN
  FOR v_instance IN
    SELECT i.instance_id
    FROM instances AS i
    WHERE i.current_execution_id > 1
      AND (p_ids IS NULL OR i.instance_id = ANY (p_ids))
      AND EXISTS (
        SELECT 1 FROM executions AS e
        WHERE e.instance_id = i.instance_id AND e.execution_id < i.current_execution_id
          AND e.status <> 'Running'
          AND (p_completed_before IS NULL OR e.completed_at < p_completed_before)
          AND (SELECT count(*) FROM executions AS x
               WHERE x.instance_id = e.instance_id AND x.execution_id > e.execution_id) >= v_keep)
    ORDER BY i.created_at, i.instance_id
    LIMIT p_limit
  LOOP
    SELECT * INTO v_result FROM prune_executions(v_instance, v_keep, p_completed_before);
    v_instances := v_instances + 1;
    v_executions := v_executions + v_result.executions_deleted;
    v_events := v_events + v_result.events_deleted;
  END LOOP;
  instances_processed := v_instances;
  executions_deleted := v_executions;
  events_deleted := v_events;
END
$$;

-- How many messages an OrchestrationStarted event carried over by continue-as-new; 0 when the
-- event has none or cannot be decoded (statistics must not fail on one corrupt row).
CREATE FUNCTION :DUROX_SCHEMA.carried_message_count(p_event_data text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = :DUROX_SCHEMA, pg_temp AS $$
BEGIN
  RETURN coalesce(jsonb_array_length(p_event_data::jsonb -> 'carry_forward_events'), 0);
EXCEPTION WHEN others THEN
  RETURN 0;
END
$$;
