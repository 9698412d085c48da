-- Started instances exist at once: a client start creates the instance row with status
-- 'Pending' (provider.createInstance) together with its start message, so status, listings,
-- cancel and delete see the instance before any worker has run its first turn. The table
-- needs no change; this migration keeps the status copy right for such rows, in the spirit of
-- 000002 (triggers rather than ack code, whoever writes).
--
-- The first ack of a Pending instance inserts its first execution row, and
-- trg_executions_insert_status moves the status to that row's (Running, or what the ack
-- reports). An ack that only drops stray messages never inserts that row (the ack code checks
-- that it names the orchestration), and the trigger below covers a writer that records the
-- first event without one: the first history event of a Pending instance makes it Running.
-- Only event 1 can be the first, so the WHEN clause spares every other history row.
CREATE TRIGGER trg_history_pending_started AFTER INSERT ON history
WHEN NEW.event_id = 1
BEGIN
  UPDATE instances SET status = 'Running'
  WHERE instance_id = NEW.instance_id AND status = 'Pending';
END;
