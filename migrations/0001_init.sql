-- 0001_init: documents, pages, jobs, chunks, chunk results, summaries and the
-- append-only audit log.
--
-- Times are UTC text in a fixed-width RFC 3339 form with nanoseconds
-- (2006-01-02T15:04:05.000000000Z), so text order is time order. Empty or NULL
-- means "not set". Children of a document are removed with it (ON DELETE
-- CASCADE); the audit log is not, it only names object ids.

CREATE TABLE documents (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	sha256          TEXT    NOT NULL UNIQUE CHECK (length(sha256) = 64),
	filename        TEXT    NOT NULL,
	stored_name     TEXT    NOT NULL UNIQUE,
	size            INTEGER NOT NULL CHECK (size >= 0),
	page_count      INTEGER NOT NULL DEFAULT 0,
	extract_status  TEXT    NOT NULL DEFAULT 'pending',
	extract_message TEXT    NOT NULL DEFAULT '',
	created_at      TEXT    NOT NULL,
	updated_at      TEXT    NOT NULL
);

CREATE INDEX documents_created_at ON documents (created_at, id);

CREATE TABLE pages (
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	number      INTEGER NOT NULL CHECK (number >= 1),
	text        TEXT    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('ok', 'empty')),
	PRIMARY KEY (document_id, number)
);

CREATE TABLE jobs (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	document_id      INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	status           TEXT    NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	stage            TEXT    NOT NULL DEFAULT 'queued'
		CHECK (stage IN ('queued', 'extracting', 'chunking', 'mapping', 'reducing', 'done')),
	provider         TEXT    NOT NULL DEFAULT '',
	model            TEXT    NOT NULL DEFAULT '',
	attempts         INTEGER NOT NULL DEFAULT 0,
	max_attempts     INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
	lease_owner      TEXT    NOT NULL DEFAULT '',
	lease_until      TEXT,
	chunks_total     INTEGER NOT NULL DEFAULT 0,
	chunks_done      INTEGER NOT NULL DEFAULT 0,
	error            TEXT    NOT NULL DEFAULT '',
	cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
	created_at       TEXT    NOT NULL,
	updated_at       TEXT    NOT NULL,
	finished_at      TEXT,
	-- A running job always holds a lease.
	CHECK (status <> 'running' OR (lease_owner <> '' AND lease_until IS NOT NULL))
);

CREATE INDEX jobs_document_id ON jobs (document_id, id);
CREATE INDEX jobs_status ON jobs (status, id);
-- At most one queued or running job per document.
CREATE UNIQUE INDEX jobs_one_active ON jobs (document_id) WHERE status IN ('queued', 'running');

CREATE TABLE chunks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL CHECK (seq >= 0),
	first_page INTEGER NOT NULL,
	last_page  INTEGER NOT NULL,
	text       TEXT    NOT NULL,
	tokens     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, seq),
	UNIQUE (id, job_id),
	CHECK (first_page >= 1 AND last_page >= first_page)
);

-- One map result per chunk of a job; the model call that produced it is kept
-- with it.
CREATE TABLE chunk_results (
	job_id        INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	chunk_id      INTEGER NOT NULL,
	output        TEXT    NOT NULL,
	phase         TEXT    NOT NULL DEFAULT 'map' CHECK (phase IN ('map', 'reduce')),
	level         INTEGER NOT NULL DEFAULT 0,
	provider      TEXT    NOT NULL DEFAULT '',
	model         TEXT    NOT NULL DEFAULT '',
	prompt_tokens INTEGER NOT NULL DEFAULT 0,
	output_tokens INTEGER NOT NULL DEFAULT 0,
	duration_ns   INTEGER NOT NULL DEFAULT 0,
	outcome       TEXT    NOT NULL DEFAULT 'ok',
	error         TEXT    NOT NULL DEFAULT '',
	created_at    TEXT    NOT NULL,
	PRIMARY KEY (job_id, chunk_id),
	FOREIGN KEY (chunk_id, job_id) REFERENCES chunks (id, job_id) ON DELETE CASCADE
);

CREATE TABLE summaries (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	document_id       INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	job_id            INTEGER NOT NULL UNIQUE REFERENCES jobs (id) ON DELETE CASCADE,
	provider          TEXT    NOT NULL DEFAULT '',
	model             TEXT    NOT NULL DEFAULT '',
	engine            TEXT    NOT NULL CHECK (engine IN ('abstractive', 'extractive')),
	sections          TEXT    NOT NULL DEFAULT '[]', -- JSON array of sections
	dropped_citations INTEGER NOT NULL DEFAULT 0,
	model_calls       INTEGER NOT NULL DEFAULT 0,
	created_at        TEXT    NOT NULL
);

CREATE INDEX summaries_document_id ON summaries (document_id, id);

-- The audit log is a hash chain (see storage/audit.go for the exact encoding)
-- and append-only: the triggers below refuse every UPDATE and DELETE.
CREATE TABLE audit_events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	at          TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	object_type TEXT    NOT NULL,
	object_id   INTEGER NOT NULL DEFAULT 0,
	outcome     TEXT    NOT NULL,
	details     TEXT    NOT NULL DEFAULT '{}',
	prev_hash   TEXT    NOT NULL CHECK (length(prev_hash) = 64),
	hash        TEXT    NOT NULL CHECK (length(hash) = 64)
);

CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
