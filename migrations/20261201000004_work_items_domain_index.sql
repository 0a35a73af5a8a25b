-- The fetch stage looks for a recent crawl of the same domain before crawling it again.
CREATE INDEX work_items_domain_idx ON work_items (domain);
