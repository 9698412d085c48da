-- Client starts in batches: the provider coalesces concurrent createInstance calls into one call
-- of create_instances (group commit, batcher.ts), as it does enqueues and acks. N starts at once
-- then cost N / batch round trips, transactions and NOTIFYs instead of N each, and no longer
-- wait for a pooled connection one by one (10,000 at once outwaited connectionTimeoutMs).
--
-- create_instance (000003) notifies per call, so the batch cannot call it per request without
-- sending one NOTIFY per instance. Its two inserts move into insert_pending_instance, which
-- create_instances calls per request and create_instance (recreated below with the same
-- signature and behaviour, for processes of an older durox sharing the schema) calls once.

-- Inserts the Pending instance row and enqueues its start message; false (nothing written) when
-- an instance with that id exists in any status. Announces nothing: the caller does.
CREATE FUNCTION :DUROX_SCHEMA.insert_pending_instance(
  p_now_ms bigint, p_instance_id text, p_name text, p_version text, p_item text
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
  RETURN true;
END
$$;

-- As in 000003, on insert_pending_instance. (Dropped and created rather than replaced, as
-- 000003 did with delete_instances; durox no longer calls it, older versions do.)
DROP FUNCTION :DUROX_SCHEMA.create_instance(bigint, text, text, text, text, text);
CREATE FUNCTION :DUROX_SCHEMA.create_instance(
  p_now_ms bigint, p_instance_id text, p_name text, p_version text, p_item text, p_origin text
) RETURNS boolean
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
BEGIN
  IF NOT insert_pending_instance(p_now_ms, p_instance_id, p_name, p_version, p_item) THEN
    RETURN false;
  END IF;
  PERFORM notify_work(p_origin, 1, NULL, 0, NULL, ARRAY[p_instance_id]);
  RETURN true;
END
$$;

-- Creates a batch of instances, each as create_instance would, in one transaction with one
-- NOTIFY naming the instances created. The arrays are parallel, one element per request (a NULL
-- version: none pinned). Returns one row per request, (n, created) with n its 1-based position.
-- An id repeated in the batch is created by its first occurrence; later ones get false, as a
-- later call would. Requests are applied in instance-id order (then position), so two batches
-- sharing ids insert them in the same order and never wait on each other in a cycle.
CREATE FUNCTION :DUROX_SCHEMA.create_instances(
  p_now_ms bigint[], p_instance_ids text[], p_names text[], p_versions text[], p_items text[],
  p_origin text
) RETURNS TABLE (n integer, created boolean)
LANGUAGE plpgsql SET search_path = :DUROX_SCHEMA, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_count integer := coalesce(cardinality(p_instance_ids), 0);
  v_created boolean[] := array_fill(false, ARRAY[coalesce(cardinality(p_instance_ids), 0)]);
  v_new_ids text[] := ARRAY[]::text[];
  v_i integer;
BEGIN
  IF coalesce(cardinality(p_now_ms), 0) <> v_count OR coalesce(cardinality(p_names), 0) <> v_count
     OR coalesce(cardinality(p_versions), 0) <> v_count OR coalesce(cardinality(p_items), 0) <> v_count THEN
    RAISE EXCEPTION 'create_instances: the request arrays differ in length' USING ERRCODE = '22023';
  END IF;
  FOR v_i IN
    SELECT t.i FROM unnest(p_instance_ids) WITH ORDINALITY AS t(id, i) ORDER BY t.id COLLATE "C", t.i
  LOOP
    IF insert_pending_instance(p_now_ms[v_i], p_instance_ids[v_i], p_names[v_i], p_versions[v_i], p_items[v_i]) THEN
      v_created[v_i] := true;
      v_new_ids := v_new_ids || p_instance_ids[v_i];
    END IF;
  END LOOP;
  IF cardinality(v_new_ids) > 0 THEN
    PERFORM notify_work(p_origin, cardinality(v_new_ids), NULL, 0, NULL, v_new_ids);
  END IF;
  RETURN QUERY SELECT t.i::integer, t.c FROM unnest(v_created) WITH ORDINALITY AS t(c, i);
END
$$;
