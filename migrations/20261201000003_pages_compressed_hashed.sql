-- Page bodies are compressed where Postgres stores them (TOAST, lz4: fast, and typically 3-5x
-- on HTML), and each page carries the SHA-256 of its body so an unchanged page can be told
-- apart from a changed one without comparing bodies.
ALTER TABLE pages ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE pages ADD COLUMN content_hash text;
UPDATE pages SET content_hash = encode(sha256(convert_to(body, 'UTF8')), 'hex');
ALTER TABLE pages ALTER COLUMN content_hash SET NOT NULL;
