-- Worker registry and fetches that leave other workers' names alone.
--
-- A running runtime records in `workers` what it can run (orchestration names with versions,
-- activity names) and refreshes expires_at as a heartbeat. Runtimes read the live rows to work
-- out which names other workers run and they do not, and fetch with those names skipped, so a
-- worker never spends the delivery attempts of work it cannot run while another worker can.
-- Work whose name no live worker runs is still fetched by everyone (and deferred, then poisoned,
-- with the unregistered-code backoff). Tools read the rows to say that no running worker knows
-- an orchestration.
--
-- The two *_skipping functions are copies of fetch_orchestration_items and fetch_work_items
-- (000002) with one more candidate condition. The originals are unchanged, and stay the hot path
-- (and ack_and_fetch's prefetch) whenever the skip list is empty, which is the case for a single
-- worker or workers that all run the same code.

CREATE TABLE :DUROX_SCHEMA.workers (
  worker_id      text PRIMARY KEY,
  orchestrations jsonb NOT NULL, -- name -> [versions]
  activities     jsonb NOT NULL, -- [names]
  registered_at  bigint NOT NULL,
  heartbeat_at   bigint NOT NULL,
  expires_at     bigint NOT NULL
);

-- A top-level text field of a JSON text, NULL when the text is not JSON (a corrupt row must
-- not fail the fetch: the engine reports it when it decodes the batch).
CREATE FUNCTION :DUROX_SCHEMA.json_text_field(p_json text, p_key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN p_json::json ->> p_key;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

-- fetch_orchestration_items, skipping instances whose orchestration name (the instance row's,
-- else the start message's) is in p_skip. Messages with no name (orphans, events for an
-- instance not started yet) are never skipped.
CREATE FUNCTION :DUROX_SCHEMA.fetch_orchestration_items_skipping(
  p_now_ms bigint, p_lock_timeout_ms bigint, p_token_prefixes text[], p_known jsonb, p_skip text[]
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
      AND NOT coalesce(
        coalesce(
          (SELECT i.orchestration_name FROM instances AS i WHERE i.instance_id = q.instance_id),
          json_text_field(q.work_item, 'orchestration')
        ) = ANY (p_skip),
        false)
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

-- fetch_work_items, skipping activities whose name is in p_skip.
CREATE FUNCTION :DUROX_SCHEMA.fetch_work_items_skipping(
  p_now_ms bigint, p_lock_timeout_ms bigint, p_token_prefixes text[],
  p_any_tag boolean, p_default_tag boolean, p_tags text[],
  p_owner_ids text[], p_session_lock_timeout_ms bigint, p_skip text[]
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
      AND NOT coalesce(json_text_field(q.work_item, 'name') = ANY (p_skip), false)
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
