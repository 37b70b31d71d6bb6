-- Contacts pages are filled to half, so a re-score (scores and their explanations, no indexed column)
-- can write each row's new version on its own page: a HOT update, with no new entry in any of the
-- table's nine indexes (two of them trigram GINs). A full page forced every re-scored row to a new
-- page and a new entry in every index (docs/decisions/0015-bulk-writes-of-contacts.md). Applies to pages written from now on.
ALTER TABLE "contacts" SET (fillfactor = 50);
