-- The comparison cache is the registry server's own from this version on:
-- no client may write it. Entries stored before may have been written by a
-- client of a server (PUT /v1/reports, now gone) and could carry a forged
-- verdict, so they are dropped; the gate fills the cache again as it runs.
DELETE FROM report_cache;

-- A manifest may widen its publish root (root:): where the manifest sits
-- under that root decides what its paths name, and is part of the digest.
-- Versions stored before have their manifest at the root.
ALTER TABLE versions ADD COLUMN manifest_dir TEXT NOT NULL DEFAULT '';
