-- Re-scoring reads each lead's newest facts and enrichment from the work items that made it.
CREATE INDEX work_items_lead_idx ON work_items (lead_id, updated_at DESC) WHERE lead_id IS NOT NULL;
