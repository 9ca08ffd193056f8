-- Sites, their revisions and immutable allocations (the same tables as
-- migrations/sqlite/0001_initial.sql). Documents are TEXT, not jsonb: they
-- are read back byte for byte as written. Timestamps are RFC 3339 UTC text,
-- as SQLite writes them, so a migrated database reads back identical.
CREATE TABLE sites (
    id                TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name              TEXT,
    revision          BIGINT NOT NULL,
    layout_revision   BIGINT NOT NULL,
    roster_revision   BIGINT,
    policy_revision   BIGINT,
    households        BIGINT NOT NULL DEFAULT 0,
    latest_allocation BIGINT,
    created           TEXT NOT NULL,
    updated           TEXT NOT NULL
);
CREATE TABLE revisions (
    site     TEXT COLLATE "C" NOT NULL REFERENCES sites(id),
    revision BIGINT NOT NULL,
    part     TEXT NOT NULL CHECK (part IN ('layout', 'roster', 'policy')),
    body     TEXT NOT NULL,
    created  TEXT NOT NULL,
    PRIMARY KEY (site, revision)
);
CREATE INDEX revisions_by_part ON revisions (site, part, revision);
CREATE TABLE allocations (
    site            TEXT COLLATE "C" NOT NULL REFERENCES sites(id),
    id              BIGINT NOT NULL,
    previous        BIGINT,
    revision        BIGINT NOT NULL,
    layout_revision BIGINT NOT NULL,
    roster_revision BIGINT,
    policy_revision BIGINT,
    seed            TEXT NOT NULL,
    policy          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    body            BYTEA NOT NULL,
    created         TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE FUNCTION allot_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'allocations are immutable';
END
$$;
CREATE TRIGGER allocations_are_immutable BEFORE UPDATE OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION allot_refuse_change();
