-- The name the lead list sorts by (the company's name, else the person's "last first", else the
-- email, lower-cased), kept on the lead itself so that sorting a million leads by name walks an
-- index instead of sorting them all. Triggers keep it current whichever side changes.

ALTER TABLE leads ADD COLUMN sort_name text;

CREATE FUNCTION leadgen_lead_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sort_name := lower(coalesce(
        (SELECT c.name FROM companies c WHERE c.id = NEW.company_id),
        NEW.last_name || ' ' || NEW.first_name,
        NEW.email));
    RETURN NEW;
END
$$;

CREATE TRIGGER leads_sort_name BEFORE INSERT OR UPDATE OF company_id, first_name, last_name, email
    ON leads FOR EACH ROW EXECUTE FUNCTION leadgen_lead_sort_name();

CREATE FUNCTION leadgen_company_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE leads SET sort_name = lower(NEW.name)
    WHERE company_id = NEW.id AND sort_name IS DISTINCT FROM lower(NEW.name);
    RETURN NULL;
END
$$;

CREATE TRIGGER companies_sort_name AFTER UPDATE OF name ON companies
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION leadgen_company_sort_name();

-- Filling the column must not look like staff touching every lead.
ALTER TABLE leads DISABLE TRIGGER leads_touch;
UPDATE leads l SET sort_name = lower(coalesce(
    (SELECT c.name FROM companies c WHERE c.id = l.company_id),
    l.last_name || ' ' || l.first_name,
    l.email));
ALTER TABLE leads ENABLE TRIGGER leads_touch;

CREATE INDEX leads_sort_name_idx ON leads (sort_name, id);

-- The lead list's industry filter ignores case.
CREATE INDEX companies_industry_lower_idx ON companies (lower(industry));
