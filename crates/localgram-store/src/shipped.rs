//! Migrations that have shipped are applied history: a database records each one's checksum,
//! and sqlx refuses to start on a database whose applied migration no longer matches its file.
//! Their checksums are pinned here, so that an edit to a shipped migration fails a test instead
//! of every existing database. A new migration is added to the lists when it ships.

use sqlx::migrate::Migrator;

/// The first 16 hex digits of each shipped migration's SHA-384 checksum, by version.
#[cfg(feature = "sqlite")]
const SQLITE: &[(i64, &str)] = &[
    (1, "3df33cdfd1605334"),
    (2, "4227262888d48ddf"),
    (3, "c8ee98e2625d78d8"),
    (4, "a6e6c05e679ad822"),
    (5, "e71de6e8c57768a8"),
    (6, "fff3b989c73582b4"),
    (7, "619825a351ddfbda"),
    (8, "0389ef41dd69e977"),
    (9, "8b681ce35ca36d56"),
    (10, "72b7461103b0594a"),
    (11, "c46ed1db8c2d15c4"),
    (12, "bf27e1f077001a48"),
    (13, "91b07f8fd61401b5"),
];
#[cfg(feature = "postgres")]
const POSTGRES: &[(i64, &str)] = &[
    (1, "c243fa26d7e1fd5d"),
    (2, "232012c5b00c5da2"),
    (3, "629f667a5633d5a1"),
    (4, "4ebec8656c307be0"),
    (5, "ec592fb325a040ed"),
    (6, "9e8280e6d44be940"),
    (7, "bb6e6e9221dab699"),
    (8, "0389ef41dd69e977"),
    (9, "8b681ce35ca36d56"),
    (10, "e0543500316a0329"),
    (11, "7d147aa299fc0833"),
    (12, "bf27e1f077001a48"),
    (13, "91b07f8fd61401b5"),
];

fn check(migrator: &Migrator, pinned: &[(i64, &str)]) {
    let actual: Vec<(i64, String)> = migrator
        .iter()
        .map(|m| {
            (
                m.version,
                m.checksum[..8].iter().map(|b| format!("{b:02x}")).collect(),
            )
        })
        .collect();
    for (version, checksum) in pinned {
        let found = actual.iter().find(|(v, _)| v == version);
        assert_eq!(
            found.map(|(_, c)| c.as_str()),
            Some(*checksum),
            "migration {version:04} has shipped and must stay byte for byte; add a new migration instead (all: {actual:?})"
        );
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn shipped_sqlite_migrations_keep_their_checksums() {
    check(&crate::sqlite::MIGRATOR, SQLITE);
}

#[cfg(feature = "postgres")]
#[test]
fn shipped_postgres_migrations_keep_their_checksums() {
    check(&crate::postgres::MIGRATOR, POSTGRES);
}
