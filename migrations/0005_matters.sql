-- precis:foreign-keys-off
-- 0005_matters: matters with their members, every document in a matter, and
-- the server-side web sessions.
--
-- The first line tells the migration runner to switch foreign keys off for
-- this file (SQLite cannot change them inside a transaction) and to run
-- PRAGMA foreign_key_check before committing: the documents table is rebuilt
-- the way https://sqlite.org/lang_altertable.html#otheralter describes, and
-- with foreign keys on, dropping the old table would delete every page, job and
-- summary through ON DELETE CASCADE.
--
-- A file's hash is now unique within its matter, not across Precis: the same
-- contract uploaded into two matters is two documents, so uploading into one
-- matter never reveals that another holds the file.

CREATE TABLE matters (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	client_number TEXT    NOT NULL CHECK (client_number <> ''),
	matter_number TEXT    NOT NULL CHECK (matter_number <> ''),
	name          TEXT    NOT NULL CHECK (name <> ''),
	legal_hold    INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1)),
	hold_reason   TEXT    NOT NULL DEFAULT '',
	hold_by       TEXT    NOT NULL DEFAULT '',
	hold_at       TEXT,
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL,
	UNIQUE (client_number, matter_number)
);

CREATE TABLE matter_members (
	matter_id INTEGER NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
	user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	added_at  TEXT    NOT NULL,
	PRIMARY KEY (matter_id, user_id)
);

CREATE INDEX matter_members_user ON matter_members (user_id, matter_id);

-- Documents stored before matters existed go into one matter an admin can
-- rename and give members; it is only created when there are such documents.
INSERT INTO matters (client_number, matter_number, name, created_at, updated_at)
SELECT '0000', '0000', 'Documents from before matters',
	strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 'now'), strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 'now')
WHERE EXISTS (SELECT 1 FROM documents);

CREATE TABLE documents_new (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	matter_id       INTEGER NOT NULL REFERENCES matters (id),
	sha256          TEXT    NOT NULL CHECK (length(sha256) = 64),
	filename        TEXT    NOT NULL,
	stored_name     TEXT    NOT NULL UNIQUE,
	size            INTEGER NOT NULL CHECK (size >= 0),
	page_count      INTEGER NOT NULL DEFAULT 0,
	extract_status  TEXT    NOT NULL DEFAULT 'pending',
	extract_message TEXT    NOT NULL DEFAULT '',
	created_at      TEXT    NOT NULL,
	updated_at      TEXT    NOT NULL,
	label_id        INTEGER NOT NULL DEFAULT 0,
	classified      INTEGER NOT NULL DEFAULT 0 CHECK (classified IN (0, 1)),
	UNIQUE (matter_id, sha256)
);

INSERT INTO documents_new (id, matter_id, sha256, filename, stored_name, size, page_count,
	extract_status, extract_message, created_at, updated_at, label_id, classified)
SELECT id, (SELECT id FROM matters WHERE client_number = '0000' AND matter_number = '0000'),
	sha256, filename, stored_name, size, page_count,
	extract_status, extract_message, created_at, updated_at, label_id, classified
FROM documents;

-- Keep the AUTOINCREMENT counter: ids of deleted documents are named in the
-- audit log and must never be given to a new document.
DELETE FROM sqlite_sequence WHERE name = 'documents_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'documents_new', seq FROM sqlite_sequence WHERE name = 'documents';

DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_created_at ON documents (created_at, id);
CREATE INDEX documents_matter ON documents (matter_id, created_at, id);

-- Web sessions (see storage/sessions.go): the token is the SHA-256 of the
-- cookie value, so a copy of the database cannot be used to sign in.
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);

CREATE INDEX sessions_expiry ON sessions (expiry);
