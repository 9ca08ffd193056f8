-- Sites, their revisions and immutable allocations.
CREATE TABLE sites (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT,
    revision          INTEGER NOT NULL,
    layout_revision   INTEGER NOT NULL,
    roster_revision   INTEGER,
    policy_revision   INTEGER,
    households        INTEGER NOT NULL DEFAULT 0,
    latest_allocation INTEGER,
    created           TEXT NOT NULL,
    updated           TEXT NOT NULL
);
CREATE TABLE revisions (
    site     TEXT NOT NULL REFERENCES sites(id),
    revision INTEGER NOT NULL,
    part     TEXT NOT NULL CHECK (part IN ('layout', 'roster', 'policy')),
    body     TEXT NOT NULL,
    created  TEXT NOT NULL,
    PRIMARY KEY (site, revision)
);
CREATE INDEX revisions_by_part ON revisions (site, part, revision);
CREATE TABLE allocations (
    site            TEXT NOT NULL REFERENCES sites(id),
    id              INTEGER NOT NULL,
    previous        INTEGER,
    revision        INTEGER NOT NULL,
    layout_revision INTEGER NOT NULL,
    roster_revision INTEGER,
    policy_revision INTEGER,
    seed            TEXT NOT NULL,
    policy          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    body            BLOB NOT NULL,
    created         TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE TRIGGER allocations_are_immutable BEFORE UPDATE ON allocations
BEGIN SELECT RAISE(ABORT, 'allocations are immutable'); END;
