-- oi_text review store, migration 0002: scores, thresholds and claim expiry times in 8-byte floats.
-- PostgreSQL's REAL is a 4-byte float: a Unix time in it is rounded to 128 seconds (a claim could
-- outlive its 15 minutes by a minute, or end a minute early) and a score just above its threshold
-- could read as below it. SQLite's REAL is already 8 bytes, so there is nothing to change there.
-- dialects: postgresql

ALTER TABLE items ALTER COLUMN score TYPE DOUBLE PRECISION;
ALTER TABLE items ALTER COLUMN classifier_score TYPE DOUBLE PRECISION;
ALTER TABLE items ALTER COLUMN threshold TYPE DOUBLE PRECISION;
ALTER TABLE claims ALTER COLUMN expires_at TYPE DOUBLE PRECISION;
