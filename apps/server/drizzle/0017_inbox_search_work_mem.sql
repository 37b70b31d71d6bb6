-- A common word's posting list in the message index (hundreds of thousands of rows over all tenants)
-- did not fit the default 4 MB work_mem: the bitmap went lossy and every message of the tenant on
-- those pages was read and re-checked (2.5 s for "accion:*" at 10 million messages, 0.8 s with 32 MB).
ALTER FUNCTION app_inbox_message_matches(tsquery) SET work_mem = '32MB';
