-- Half of each ledger page kept free (decision 0027): the claim's new row version lands on the row's
-- own page, and the later status changes (queued → sent → …) still find room there, so they are
-- HOT updates. 80 (migration 0021) left room for about one ack in ten. Applies to pages written
-- from now on.
ALTER TABLE "campaign_recipients" SET (fillfactor = 50);
