-- API tokens of `durox serve`, in the engine's PostgreSQL schema next to its tables.
-- Only a salted SHA-256 of each token's secret is stored; times are epoch milliseconds.

CREATE TABLE durox_api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  scope        TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
  salt         BYTEA NOT NULL,
  hash         BYTEA NOT NULL,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);

-- At most one live token per name.
CREATE UNIQUE INDEX durox_api_tokens_live_name ON durox_api_tokens (name) WHERE revoked_at IS NULL;
