-- Draw records (FORMAT.md §5): committed rows that change once, at their
-- reveal, and never otherwise (as migrations 2 of the SQLite store).
CREATE TABLE draws (
    site              TEXT COLLATE "C" NOT NULL REFERENCES sites(id),
    id                BIGINT NOT NULL,
    revision          BIGINT NOT NULL,
    layout_revision   BIGINT NOT NULL,
    roster_revision   BIGINT,
    policy_revision   BIGINT,
    previous          BIGINT,
    policy            TEXT NOT NULL,
    inputs_sha256     TEXT NOT NULL,
    previous_sha256   TEXT,
    committed_at      TEXT NOT NULL,
    seed_source       TEXT NOT NULL,
    seed              TEXT,
    signature         TEXT,
    revealed_at       TEXT,
    allocation        BIGINT,
    allocation_sha256 TEXT,
    PRIMARY KEY (site, id),
    CHECK ((seed IS NULL) = (revealed_at IS NULL)
       AND (seed IS NULL) = (allocation IS NULL)
       AND (seed IS NULL) = (allocation_sha256 IS NULL))
);
CREATE FUNCTION allot_draw_changes_only_by_its_reveal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'draws are never deleted';
    END IF;
    IF OLD.seed IS NOT NULL OR NEW.seed IS NULL
       OR NEW.site IS DISTINCT FROM OLD.site OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.revision IS DISTINCT FROM OLD.revision
       OR NEW.layout_revision IS DISTINCT FROM OLD.layout_revision
       OR NEW.roster_revision IS DISTINCT FROM OLD.roster_revision
       OR NEW.policy_revision IS DISTINCT FROM OLD.policy_revision
       OR NEW.previous IS DISTINCT FROM OLD.previous OR NEW.policy IS DISTINCT FROM OLD.policy
       OR NEW.inputs_sha256 IS DISTINCT FROM OLD.inputs_sha256
       OR NEW.previous_sha256 IS DISTINCT FROM OLD.previous_sha256
       OR NEW.committed_at IS DISTINCT FROM OLD.committed_at
       OR NEW.seed_source IS DISTINCT FROM OLD.seed_source THEN
        RAISE EXCEPTION 'a draw changes only by its one reveal';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER draws_change_only_by_their_reveal BEFORE UPDATE OR DELETE ON draws
    FOR EACH ROW EXECUTE FUNCTION allot_draw_changes_only_by_its_reveal();
