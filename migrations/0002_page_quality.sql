-- 0002_page_quality: how each page's text was obtained and how good it looks.
--
-- extractor: 'native' (our own PDF text extraction), 'poppler' (pdftotext) or
-- 'ocr' (tesseract on the rendered page). quality: the 0..1 text-quality score
-- of the page (extract.Quality). warnings: a JSON array of strings, such as
-- "hidden text found" or "garbled". Pages stored before this migration read as
-- native, quality 0, no warnings.

ALTER TABLE pages ADD COLUMN extractor TEXT NOT NULL DEFAULT 'native'
	CHECK (extractor IN ('native', 'poppler', 'ocr'));
ALTER TABLE pages ADD COLUMN quality REAL NOT NULL DEFAULT 0
	CHECK (quality >= 0 AND quality <= 1);
ALTER TABLE pages ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'
	CHECK (json_valid(warnings) AND json_type(warnings) = 'array');
