//! The store test-suite, run unchanged against both backends: SQLite (a
//! temporary file) and PostgreSQL (a real server started by the test, a
//! fresh database per test). Then what only PostgreSQL has: several stores
//! (as several `allot serve` processes have) on one database, lost
//! connections, migrations run once.

use crate::support::pg as pg_support;

use allot::model::{DrandRound, Household, SeedSource};
use allot::store::transfer::{self, TransferError};
use allot::store::{
    AllocationInputs, Change, DrawInputs, DrawReveal, NewAllocation, NewDraw, NewSite, Page,
    PartRevisions, PgStore, SqliteStore, Store, StoreError,
};
use rstest::rstest;
use serde_json::{json, Value};
use std::sync::{Arc, Barrier};

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's database lives; opening it again gives another store on
/// the same data (as another process would have).
struct Db {
    location: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    fn new(backend: Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                Db {
                    location: dir.path().join("allot.db").display().to_string(),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => Db {
                location: pg_support::fresh_database(),
                _dir: None,
            },
        }
    }

    fn open(&self) -> Arc<dyn Store> {
        allot::store::open(&self.location).unwrap()
    }
}

fn store(backend: Backend) -> (Db, Arc<dyn Store>) {
    let db = Db::new(backend);
    let store = db.open();
    (db, store)
}

fn layout(name: &str) -> Value {
    json!({"type": "FeatureCollection", "site": {"id": "s", "name": name}, "features": []})
}

fn new_site(id: &str) -> NewSite {
    NewSite {
        id: id.to_string(),
        name: Some("One".to_string()),
        layout: layout("One"),
    }
}

fn allocation(previous: Option<u64>) -> NewAllocation {
    NewAllocation {
        inputs: AllocationInputs::at_creation(previous),
        policy: json!({"mechanism": "optimal"}),
        seed: "seed".to_string(),
        summary: json!({"parking_space": {"served": 1}}),
        body: b"{\"site\":\"s\"}".to_vec(),
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn every_write_makes_a_new_revision_and_old_revisions_stay_readable(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    let created = store.create_site(new_site("s")).unwrap();
    assert_eq!((created.revision, created.parts.layout), (1, 1));
    assert_eq!(created.parts.roster, None);
    let roster = vec![Household::new("H1", "B1", "1")];
    let after_roster = store.write("s", 1, Change::Roster(roster.clone())).unwrap();
    assert_eq!(
        (after_roster.revision, after_roster.parts.roster),
        (2, Some(2))
    );
    assert_eq!(after_roster.households, 1);
    let after_layout = store.write("s", 2, Change::Layout(layout("Two"))).unwrap();
    assert_eq!(after_layout.revision, 3);
    assert_eq!(after_layout.name.as_deref(), Some("Two"));

    let now = store.documents("s", None).unwrap();
    assert_eq!(
        (now.revision, now.parts.layout, now.parts.roster),
        (3, 3, Some(2))
    );
    assert_eq!(now.roster, roster);
    let first = store.documents("s", Some(1)).unwrap();
    assert_eq!(first.layout, layout("One"));
    assert!(first.roster.is_empty());
    assert!(matches!(
        store.documents("s", Some(4)),
        Err(StoreError::NoRevision { revision: 4, .. })
    ));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_write_based_on_an_old_revision_is_refused_and_changes_nothing(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    store
        .write("s", 1, Change::Policy(json!({"priority": []})))
        .unwrap();
    let err = store.write("s", 1, Change::Policy(json!({"priority": ["elderly"]})));
    assert!(matches!(
        err,
        Err(StoreError::Stale {
            current: 2,
            expected: 1,
            ..
        })
    ));
    let docs = store.documents("s", None).unwrap();
    assert_eq!(docs.revision, 2);
    assert_eq!(docs.policy, Some(json!({"priority": []})));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_duplicate_site_id_and_an_unknown_site_are_reported(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    assert!(matches!(
        store.create_site(new_site("s")),
        Err(StoreError::SiteExists(_))
    ));
    assert!(matches!(store.site("t"), Err(StoreError::NoSite(_))));
    assert!(matches!(
        store.write("t", 1, Change::Policy(json!({}))),
        Err(StoreError::NoSite(_))
    ));
    assert!(matches!(
        store.allocation("s", 1),
        Err(StoreError::NoAllocation { .. })
    ));
    assert!(matches!(
        store.allocation("t", 1),
        Err(StoreError::NoSite(_))
    ));
    assert!(matches!(store.export_site("t"), Err(StoreError::NoSite(_))));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn sites_are_listed_in_pages_by_id(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    // Byte order, as SQLite compares text: upper case before lower case.
    for id in ["c", "a", "b", "B"] {
        store.create_site(new_site(id)).unwrap();
    }
    let ids = |after: Option<&str>| -> Vec<String> {
        store
            .list_sites(after, 2)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids(None), ["B", "a"]);
    assert_eq!(ids(Some("a")), ["b", "c"]);
    assert_eq!(ids(Some("c")), Vec::<String>::new());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn allocations_are_appended_numbered_and_must_follow_the_latest(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    let a1 = store.add_allocation("s", allocation(None)).unwrap();
    assert_eq!((a1.id, a1.inputs.previous), (1, None));
    // A new row is stamped with the database's clock (an imported one keeps its own).
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    assert!(
        time::OffsetDateTime::parse(&a1.created, rfc3339).is_ok(),
        "{}",
        a1.created
    );
    assert!(matches!(
        store.add_allocation("s", allocation(None)),
        Err(StoreError::AllocationRace {
            current: Some(1),
            ..
        })
    ));
    let a2 = store.add_allocation("s", allocation(Some(1))).unwrap();
    assert_eq!((a2.id, a2.inputs.previous), (2, Some(1)));
    assert_eq!(store.site("s").unwrap().latest_allocation, Some(2));
    let listed: Vec<_> = store
        .allocations("s", Page::newest(10))
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, [2, 1]);
    let older: Vec<_> = store
        .allocations(
            "s",
            Page {
                before: Some(2),
                limit: 10,
            },
        )
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(older, [1]);
    let record = store.allocation("s", 1).unwrap();
    assert_eq!(record.body, b"{\"site\":\"s\"}");
    assert_eq!(record.meta.summary, json!({"parking_space": {"served": 1}}));
    assert_eq!(record.policy, json!({"mechanism": "optimal"}));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn data_survives_reopening_and_a_second_store_on_the_same_database_sees_it(
    #[case] backend: Backend,
) {
    let db = Db::new(backend);
    {
        let store = db.open();
        store.create_site(new_site("s")).unwrap();
    }
    let store = db.open();
    assert_eq!(store.site("s").unwrap().revision, 1);
    let other = db.open();
    store.write("s", 1, Change::Policy(json!({}))).unwrap();
    assert_eq!(other.site("s").unwrap().revision, 2);
}

/// Two stores on one database (as two server processes), many threads
/// writing with the same expected revision at once: exactly one wins per round.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn of_racing_writes_through_two_stores_exactly_one_wins_each_round(#[case] backend: Backend) {
    let db = Db::new(backend);
    let stores = [db.open(), db.open()];
    stores[0].create_site(new_site("s")).unwrap();
    const THREADS: usize = 4;
    for round in 0..10u64 {
        let expected = round + 1;
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let store = stores[t % 2].clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    store.write("s", expected, Change::Policy(json!({"writer": t})))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(
                    matches!(e, StoreError::Stale { current, .. } if *current == expected + 1),
                    "round {round}: {e}"
                );
            }
        }
    }
    assert_eq!(stores[1].site("s").unwrap().revision, 11);
}

/// Allocations through two stores at once: one lands per round, the other
/// is refused as a race; ids have no gaps and each follows the one before.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn racing_allocations_through_two_stores_leave_no_gap_and_no_duplicate(#[case] backend: Backend) {
    let db = Db::new(backend);
    let stores = [db.open(), db.open()];
    stores[0].create_site(new_site("s")).unwrap();
    let mut latest: Option<u64> = None;
    for round in 0..10 {
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    store.add_allocation("s", allocation(latest))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let landed: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(landed.len(), 1, "round {round}: {results:?}");
        assert_eq!(landed[0].inputs.previous, latest);
        assert_eq!(landed[0].id, latest.unwrap_or(0) + 1);
        latest = Some(landed[0].id);
    }
    let ids: Vec<u64> = stores[1]
        .allocations("s", Page::newest(100))
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, (1..=10).rev().collect::<Vec<_>>());
}

fn new_draw(previous: Option<u64>) -> NewDraw {
    NewDraw {
        inputs: DrawInputs {
            revision: 1,
            parts: PartRevisions {
                layout: 1,
                roster: None,
                policy: None,
            },
            previous,
            policy: json!({"mechanism": "optimal"}),
        },
        inputs_sha256: "aa".into(),
        previous_sha256: None,
        committed_at: "2026-12-06T02:00:00Z".into(),
        seed_source: SeedSource::Drand(DrandRound {
            chain: "quicknet".into(),
            round: 123,
            published_at: "2026-12-06T02:15:33Z".into(),
        }),
    }
}

fn reveal(draw: u64, seed: &str, allocation: NewAllocation) -> DrawReveal {
    DrawReveal {
        draw,
        seed: seed.into(),
        signature: Some("b7".into()),
        revealed_at: "2026-12-06T02:20:00Z".into(),
        allocation_sha256: "cc".into(),
        allocation,
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn draws_are_numbered_listed_and_read_back_as_committed(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    let d1 = store.add_draw("s", new_draw(None)).unwrap();
    let d2 = store.add_draw("s", new_draw(None)).unwrap();
    assert_eq!((d1.record.draw, d2.record.draw), (1, 2));
    assert_eq!(d1.record.site, "s");
    assert_eq!(d1.inputs, new_draw(None).inputs);
    assert_eq!(d1.record.seed_source, new_draw(None).seed_source);
    assert!(d1.record.revealed.is_none());
    let listed: Vec<u64> = store
        .draws("s", Page::newest(10))
        .unwrap()
        .iter()
        .map(|d| d.record.draw)
        .collect();
    assert_eq!(listed, [2, 1]);
    let older: Vec<u64> = store
        .draws(
            "s",
            Page {
                before: Some(2),
                limit: 10,
            },
        )
        .unwrap()
        .iter()
        .map(|d| d.record.draw)
        .collect();
    assert_eq!(older, [1]);
    assert_eq!(store.draw("s", 1).unwrap(), d1);
    assert!(matches!(
        store.draw("s", 3),
        Err(StoreError::NoDraw { id: 3, .. })
    ));
    assert!(matches!(store.draw("t", 1), Err(StoreError::NoSite(_))));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_commit_must_freeze_the_latest_allocation(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    store.add_allocation("s", allocation(None)).unwrap();
    assert!(matches!(
        store.add_draw("s", new_draw(None)),
        Err(StoreError::AllocationRace {
            current: Some(1),
            ..
        })
    ));
    assert_eq!(
        store
            .add_draw("s", new_draw(Some(1)))
            .unwrap()
            .inputs
            .previous,
        Some(1)
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_draw_is_revealed_once_and_its_allocation_becomes_the_latest(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    store.add_draw("s", new_draw(None)).unwrap();
    // An allocation made after the commit does not stop the reveal,
    // whose allocation still names the frozen previous (none).
    store.add_allocation("s", allocation(None)).unwrap();
    let (draw, meta) = store
        .reveal_draw("s", reveal(1, "s1", allocation(None)))
        .unwrap();
    assert_eq!((meta.id, meta.inputs.previous), (2, None));
    let revealed = draw.record.revealed.unwrap();
    assert_eq!(revealed.allocation, 2);
    assert_eq!(revealed.seed, "s1");
    assert_eq!(revealed.signature.as_deref(), Some("b7"));
    assert_eq!(store.site("s").unwrap().latest_allocation, Some(2));

    let again = store.reveal_draw("s", reveal(1, "s2", allocation(None)));
    assert!(matches!(
        again,
        Err(StoreError::AlreadyRevealed { allocation: 2, .. })
    ));
    assert_eq!(store.allocations("s", Page::newest(10)).unwrap().len(), 2);
    assert_eq!(
        store.draw("s", 1).unwrap().record.revealed.unwrap().seed,
        "s1"
    );
    assert!(matches!(
        store.reveal_draw("s", reveal(9, "s", allocation(None))),
        Err(StoreError::NoDraw { id: 9, .. })
    ));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn of_two_racing_reveals_exactly_one_lands(#[case] backend: Backend) {
    let (_db, store) = store(backend);
    store.create_site(new_site("s")).unwrap();
    store.add_draw("s", new_draw(None)).unwrap();
    let outcomes: Vec<_> = (0..2)
        .map(|i| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                store.reveal_draw("s", reveal(1, &format!("seed{i}"), allocation(None)))
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, Err(StoreError::AlreadyRevealed { .. }))));
    assert_eq!(store.allocations("s", Page::newest(10)).unwrap().len(), 1);
}

/// A draw committed, listed and revealed through one store and raced
/// through two: revealed once, its allocation the next id.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_draw_is_revealed_once_across_two_stores(#[case] backend: Backend) {
    let db = Db::new(backend);
    let stores = [db.open(), db.open()];
    stores[0].create_site(new_site("s")).unwrap();
    let d1 = stores[0].add_draw("s", new_draw(None)).unwrap();
    assert_eq!(d1.record.draw, 1);
    assert_eq!(stores[1].draw("s", 1).unwrap(), d1);
    assert!(matches!(
        stores[1].add_draw("s", new_draw(Some(4))),
        Err(StoreError::AllocationRace { current: None, .. })
    ));
    for round in 0..5u64 {
        let draw = stores[round as usize % 2]
            .add_draw(
                "s",
                new_draw(stores[0].site("s").unwrap().latest_allocation),
            )
            .unwrap()
            .record
            .draw;
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, store)| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    store.reveal_draw("s", reveal(draw, &format!("seed{i}"), allocation(None)))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(results
            .iter()
            .any(|r| matches!(r, Err(StoreError::AlreadyRevealed { .. }))));
        let landed = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        assert_eq!(landed.1.id, round + 1);
        assert_eq!(
            landed.0.record.revealed.as_ref().map(|r| r.allocation),
            Some(round + 1)
        );
    }
    let listed: Vec<u64> = stores[1]
        .draws("s", Page::newest(100))
        .unwrap()
        .iter()
        .map(|d| d.record.draw)
        .collect();
    assert_eq!(listed, [6, 5, 4, 3, 2, 1]);
    assert_eq!(
        stores[1].allocations("s", Page::newest(100)).unwrap().len(),
        5
    );
    assert!(matches!(
        stores[0].draw("s", 9),
        Err(StoreError::NoDraw { id: 9, .. })
    ));
}

fn fill(store: &dyn Store) {
    store.create_site(new_site("a")).unwrap();
    store.create_site(new_site("b")).unwrap();
    store
        .write(
            "a",
            1,
            Change::Roster(vec![Household::new("H1", "B1", "1")]),
        )
        .unwrap();
    store
        .write(
            "a",
            2,
            Change::Policy(json!({"seed": "x", "ünïcode": "公平"})),
        )
        .unwrap();
    store.add_allocation("a", allocation(None)).unwrap();
    let mut second = allocation(Some(1));
    second.body = "{\n  \"site\": \"a\",\n  \"note\": \"两个\"\n}\n"
        .as_bytes()
        .to_vec();
    store.add_allocation("a", second).unwrap();
    store.add_draw("a", new_draw(Some(2))).unwrap();
    store
        .reveal_draw("a", reveal(1, "123456", allocation(Some(2))))
        .unwrap();
    store.add_draw("a", new_draw(Some(3))).unwrap();
}

/// Export from one backend, import into the other: the export of the copy is
/// the same bytes.
#[rstest]
#[case::sqlite_to_postgres(Backend::Sqlite, Backend::Postgres)]
#[case::postgres_to_sqlite(Backend::Postgres, Backend::Sqlite)]
fn an_exported_site_imports_into_either_backend_and_exports_the_same_bytes(
    #[case] from: Backend,
    #[case] to: Backend,
) {
    let (_a, source) = store(from);
    let (_b, target) = store(to);
    fill(&*source);
    let exported = transfer::export(&*source, "a").unwrap();
    let state = transfer::import(&*target, &exported).unwrap();
    assert_eq!(state, source.site("a").unwrap());
    assert_eq!(transfer::export(&*target, "a").unwrap(), exported);
    assert_eq!(
        target.allocation("a", 2).unwrap().body,
        source.allocation("a", 2).unwrap().body
    );
    assert_eq!(
        target.draws("a", Page::newest(10)).unwrap(),
        source.draws("a", Page::newest(10)).unwrap()
    );
    // A second import of the same site is refused and changes nothing.
    assert!(matches!(
        transfer::import(&*target, &exported),
        Err(TransferError::Store(StoreError::SiteExists(_)))
    ));
    assert_eq!(transfer::export(&*target, "a").unwrap(), exported);
}

#[test]
fn migrate_copies_every_site_into_postgres_and_refuses_a_non_empty_target() {
    let (_a, sqlite) = store(Backend::Sqlite);
    let (_b, pg) = store(Backend::Postgres);
    fill(&*sqlite);
    let copied = transfer::migrate(&*sqlite, &*pg).unwrap();
    assert_eq!(
        (
            copied.sites,
            copied.revisions,
            copied.allocations,
            copied.draws
        ),
        (2, 4, 3, 2)
    );
    for site in ["a", "b"] {
        assert_eq!(
            transfer::export(&*pg, site).unwrap(),
            transfer::export(&*sqlite, site).unwrap()
        );
    }
    // The copy keeps working: the next allocation follows the copied latest.
    assert_eq!(pg.add_allocation("a", allocation(Some(3))).unwrap().id, 4);
    assert_eq!(pg.draw("a", 1).unwrap(), sqlite.draw("a", 1).unwrap());
    let again = transfer::migrate(&*sqlite, &*pg);
    assert!(
        matches!(&again, Err(TransferError::TargetNotEmpty { first }) if first == "a"),
        "{again:?}"
    );
}

#[test]
fn a_broken_export_file_is_refused_with_every_problem_and_imports_nothing() {
    let (_a, source) = store(Backend::Sqlite);
    let (_b, pg) = store(Backend::Postgres);
    fill(&*source);
    let mut backup: Value =
        serde_json::from_slice(&transfer::export(&*source, "a").unwrap()).unwrap();
    backup["allocations"][1]["previous"] = json!(7);
    backup["revisions"][2]["body"] = json!("{broken");
    let err = transfer::import(&*pg, &serde_json::to_vec(&backup).unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("allocation 2 has previous Some(7)"), "{text}");
    assert!(text.contains("revision 3 body is not JSON"), "{text}");
    assert!(matches!(pg.site("a"), Err(StoreError::NoSite(_))));
}

// ---- PostgreSQL only -------------------------------------------------------

#[test]
fn postgres_refuses_to_update_or_delete_a_stored_allocation() {
    let url = pg_support::fresh_database();
    let store = PgStore::open(&url).unwrap();
    store.create_site(new_site("s")).unwrap();
    store.add_allocation("s", allocation(None)).unwrap();
    let mut client = pg_support::PgServer::client(&url);
    let message = |e: postgres::Error| e.as_db_error().map(|d| d.message().to_string());
    let update = client.execute("UPDATE allocations SET seed = 'x'", &[]);
    assert_eq!(
        message(update.unwrap_err()).as_deref(),
        Some("allocations are immutable")
    );
    let delete = client.execute("DELETE FROM allocations", &[]);
    assert_eq!(
        message(delete.unwrap_err()).as_deref(),
        Some("allocations are immutable")
    );
    assert_eq!(store.allocation("s", 1).unwrap().meta.seed, "seed");
}

#[test]
fn postgres_migrations_run_once_even_when_several_servers_start_together() {
    let url = pg_support::fresh_database();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || PgStore::open(&url).map(|s| s.schema_version()))
        })
        .collect();
    for h in handles {
        assert_eq!(
            h.join().unwrap().unwrap().unwrap(),
            PgStore::migrations() as u64
        );
    }
    let mut client = pg_support::PgServer::client(&url);
    let rows: i64 = client
        .query_one("SELECT count(*) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn postgres_connections_killed_under_the_store_are_replaced_without_an_error() {
    let url = pg_support::fresh_database();
    let store = PgStore::open(&url).unwrap();
    store.create_site(new_site("s")).unwrap();
    // Several connections in the pool, then all of them killed.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| store.documents("s", None).unwrap());
        }
    });
    let mut admin = pg_support::PgServer::client(&url);
    let killed: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 1, "killed {killed}");
    assert_eq!(store.site("s").unwrap().revision, 1);
    assert_eq!(
        store
            .write("s", 1, Change::Policy(json!({})))
            .unwrap()
            .revision,
        2
    );
    assert_eq!(store.documents("s", None).unwrap().revision, 2);
}

#[test]
fn postgres_out_of_reach_is_unavailable_and_the_store_recovers_when_it_returns() {
    let server = pg_support::PgServer::start();
    let url = server.fresh_database();
    let store = PgStore::open(&url).unwrap();
    store.create_site(new_site("s")).unwrap();
    server.stop();
    assert!(
        matches!(store.site("s"), Err(StoreError::Unavailable(_))),
        "{:?}",
        store.site("s")
    );
    assert!(matches!(
        store.write("s", 1, Change::Policy(json!({}))),
        Err(StoreError::Unavailable(_))
    ));
    server.start_again();
    assert_eq!(store.site("s").unwrap().revision, 1);
    assert_eq!(
        store
            .write("s", 1, Change::Policy(json!({})))
            .unwrap()
            .revision,
        2
    );
}

#[test]
fn sqlite_and_postgres_are_chosen_by_the_db_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.db");
    allot::store::open(&file.display().to_string()).unwrap();
    assert!(file.exists());
    let url = pg_support::fresh_database();
    allot::store::open(&url).unwrap();
    let mut client = pg_support::PgServer::client(&url);
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('sites', 'revisions', 'allocations')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 3);
    let _ = SqliteStore::open(&file).unwrap();
}
