-- Keeps every table's updated_at current without relying on application code.
CREATE OR REPLACE FUNCTION leadgen_touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
