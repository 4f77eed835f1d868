-- 0003_classification: labels, detector findings, versioned policies and
-- encrypted provider keys.
--
-- A document's label is the stable id of a label in the policy (label ids
-- survive renames); 0 means "not labelled yet" (documents stored before this
-- migration), which routes nowhere until the server labels it. Every label
-- change is kept in label_changes with who made it and why. Findings are what
-- the detectors saw, per page, with the value masked. policy_versions holds
-- every version of the settings as JSON; the highest version is current.

ALTER TABLE documents ADD COLUMN label_id INTEGER NOT NULL DEFAULT 0;
-- 1 once the detectors have run on the extracted text (they run once: a label an
-- admin lowered afterwards is not raised again by a retry).
ALTER TABLE documents ADD COLUMN classified INTEGER NOT NULL DEFAULT 0 CHECK (classified IN (0, 1));
-- Why the job's provider was chosen, e.g. the providers of the route that were down.
ALTER TABLE jobs ADD COLUMN route_note TEXT NOT NULL DEFAULT '';

CREATE TABLE label_changes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	at          TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	from_label  INTEGER NOT NULL,
	to_label    INTEGER NOT NULL,
	source      TEXT    NOT NULL CHECK (source IN ('upload', 'detector', 'user', 'admin', 'backlog')),
	reason      TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX label_changes_document ON label_changes (document_id, id);

CREATE TABLE findings (
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	detector    TEXT    NOT NULL,
	category    TEXT    NOT NULL,
	page        INTEGER NOT NULL,
	match       TEXT    NOT NULL,
	count       INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
	PRIMARY KEY (document_id, detector, page, match)
);

CREATE TABLE policy_versions (
	version    INTEGER PRIMARY KEY,
	created_at TEXT    NOT NULL,
	actor      TEXT    NOT NULL,
	source     TEXT    NOT NULL CHECK (source IN ('default', 'env', 'file', 'admin')),
	note       TEXT    NOT NULL DEFAULT '',
	body       TEXT    NOT NULL CHECK (json_valid(body)),
	sha256     TEXT    NOT NULL CHECK (length(sha256) = 64)
);

-- API keys an admin entered, sealed with the key in PRECIS_SECRET_KEY.
CREATE TABLE provider_secrets (
	provider   TEXT PRIMARY KEY,
	sealed     BLOB NOT NULL,
	updated_at TEXT NOT NULL
);

-- Where each summary was produced: the policy version and the provider's zone.
ALTER TABLE summaries ADD COLUMN policy_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE summaries ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE summaries ADD COLUMN label TEXT NOT NULL DEFAULT '';
