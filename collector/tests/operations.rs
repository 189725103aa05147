//! Running the collector: several processes on one database, and the first start.
//! Real servers on free ports over SQLite files (the harness in `support/app.rs`).

#[path = "support/app.rs"]
mod app;

use app::{Harness, START_MS};
use collector::store;
use collector::AppState;

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[tokio::test]
async fn two_states_on_one_database_hash_a_visitor_alike() {
    let harness = Harness::new().await;
    // Two processes: two pools on the same file, each with its own state.
    let other_store = store::open(&harness.database_url).await.unwrap();
    let a = AppState::new(harness.store.clone())
        .with_stored_visitor_salt()
        .await
        .unwrap();
    let b = AppState::new(other_store)
        .with_stored_visitor_salt()
        .await
        .unwrap();
    let hash = |s: &AppState, at| s.visitor_hash(at, "site", Some("203.0.113.7"), CHROME);
    assert_eq!(hash(&a, START_MS), hash(&b, START_MS + 60_000));
    // A new day, a new salt: the same visitor is not linked across days.
    let next_day = START_MS + 24 * 60 * 60 * 1000;
    assert_eq!(hash(&a, next_day), hash(&b, next_day));
    assert_ne!(hash(&a, START_MS), hash(&a, next_day));
    // Without the stored secret, a state has its own.
    let alone = AppState::new(harness.store.clone());
    assert_ne!(hash(&alone, START_MS), hash(&a, START_MS));
}
