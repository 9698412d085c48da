-- Worker registry: what each running runtime can run, kept alive by heartbeats.
--
-- A runtime writes its orchestration names (with versions) and activity names here at start
-- and refreshes expires_at periodically. Other runtimes read the live rows to leave work they
-- cannot run to the workers that can (the fetch skip lists), and tools read them to tell a
-- user that no running worker knows an orchestration. A row whose expires_at has passed (a
-- crashed process) no longer counts; it is overwritten or swept by later registrations.
CREATE TABLE workers (
  worker_id      TEXT PRIMARY KEY,
  orchestrations TEXT NOT NULL, -- JSON object: name -> [versions]
  activities     TEXT NOT NULL, -- JSON array of names
  registered_at  INTEGER NOT NULL,
  heartbeat_at   INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
) WITHOUT ROWID;
