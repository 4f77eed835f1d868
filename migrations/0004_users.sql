-- 0004_users: user accounts, API tokens and the login attempts that throttling
-- counts.
--
-- password_hash is an argon2id PHC string (package precis/auth), or '' for a
-- user who signs in only through single sign-on. Email addresses compare
-- without regard to case. Times are stored as in 0001_init.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (email <> ''),
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'staff')),
	password_hash TEXT    NOT NULL DEFAULT '',
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL,
	last_login_at TEXT
);

-- API tokens are 32 random bytes, so a plain SHA-256 of the token is enough to
-- keep them safe at rest: a slow, salted password hash only matters for
-- secrets a person chose, which can be guessed; 2^256 cannot be searched. A
-- fast hash also lets a request find its token by an indexed lookup.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL,
	token_hash   TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64),
	created_at   TEXT    NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);

CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- One row per login attempt. key names what is throttled, such as
-- "account:alice@example.com" or "addr:192.0.2.7"; old rows may be deleted.
CREATE TABLE login_attempts (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	key     TEXT    NOT NULL,
	at      TEXT    NOT NULL,
	success INTEGER NOT NULL CHECK (success IN (0, 1))
);

CREATE INDEX login_attempts_key_at ON login_attempts (key, at);
