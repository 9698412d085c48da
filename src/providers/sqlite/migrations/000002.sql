-- Management queries: list/count instances by status and time without scanning.
--
-- `instances.status` is a copy of the current execution's status. Listing and counting by
-- status (a TUI pages `listInstances` every second, on stores with 10,000+ instances) would
-- otherwise join every instance to its execution row before it could filter, sort or count.
-- With the copy, "Running instances, newest first, 50 per page" and "how many Failed" are
-- range scans of one index.
--
-- Triggers keep the copy right rather than the ack code, so that it stays right whoever writes
-- (a durox that predates this migration sharing the file, a tool, a test tampering with rows):
-- the status changes only when an execution row is inserted, when its status is updated, or
-- when the instance moves to another execution. Each trigger is a primary-key update of a row
-- the ack has just written, and fires only when the status actually changes.

ALTER TABLE instances ADD COLUMN status TEXT NOT NULL DEFAULT 'Running';

UPDATE instances SET status = coalesce(
  (SELECT e.status FROM executions AS e
   WHERE e.instance_id = instances.instance_id AND e.execution_id = instances.current_execution_id),
  'Running');

-- A new execution row (usually the first ack of an execution) sets the status if it is current.
CREATE TRIGGER trg_executions_insert_status AFTER INSERT ON executions
BEGIN
  UPDATE instances SET status = NEW.status
  WHERE instance_id = NEW.instance_id AND current_execution_id = NEW.execution_id
    AND status IS NOT NEW.status;
END;

-- A status reported by an ack (Completed, Failed, ContinuedAsNew) of the current execution.
CREATE TRIGGER trg_executions_update_status AFTER UPDATE OF status ON executions
WHEN NEW.status IS NOT OLD.status
BEGIN
  UPDATE instances SET status = NEW.status
  WHERE instance_id = NEW.instance_id AND current_execution_id = NEW.execution_id;
END;

-- The instance moved to another execution (continue-as-new): that execution's status, or
-- Running until its row exists (the insert trigger then runs in the same ack).
CREATE TRIGGER trg_instances_current_execution AFTER UPDATE OF current_execution_id ON instances
WHEN NEW.current_execution_id IS NOT OLD.current_execution_id
BEGIN
  UPDATE instances SET status = coalesce(
    (SELECT e.status FROM executions AS e
     WHERE e.instance_id = NEW.instance_id AND e.execution_id = NEW.current_execution_id),
    'Running')
  WHERE instance_id = NEW.instance_id;
END;

-- Secondary indexes of a WITHOUT ROWID table end with the primary key, so each of these is
-- ordered by (…, instance_id) too: the instance_id tie-break of a listing needs no sort, and
-- LIMIT/OFFSET pages stop after the rows they return.

-- Default listing order (newest first) and the bulk-delete/prune selection order.
CREATE INDEX idx_instances_created ON instances (created_at);

-- Listing by last activity. Rewritten by every ack (updated_at changes), but the entries of
-- active instances sit at the end of the index, on pages the ack dirties anyway.
CREATE INDEX idx_instances_updated ON instances (updated_at);

-- Filtering and counting by status, newest first within a status. Written only when the
-- status changes.
CREATE INDEX idx_instances_status ON instances (status, created_at);
