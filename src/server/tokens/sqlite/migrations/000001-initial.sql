-- API tokens of `durox serve`, in the engine's SQLite file next to its tables.
-- Only a salted SHA-256 of each token's secret is stored; times are epoch milliseconds.

CREATE TABLE durox_api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  scope        TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
  salt         BLOB NOT NULL,
  hash         BLOB NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);

-- At most one live token per name.
CREATE UNIQUE INDEX durox_api_tokens_live_name ON durox_api_tokens (name) WHERE revoked_at IS NULL;
