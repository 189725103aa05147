//! One behavioural suite for every storage engine. Each test is written once against
//! `Arc<dyn Store>` and runs on SQLite (a fresh file) and on PostgreSQL (a fresh database on a
//! server this test binary starts): `cargo test -p collector --test storage postgres::` runs one
//! engine.

use collector::access::Role;
use collector::complaints::NewEntry;
use collector::store::case_store::{
    AssigneeFilter, CaseChange, CaseFilter, Cursor, Job, ProblemFields, Sort,
};
use collector::store::{
    self, AuditEntry, AuditQuery, Enrichment, Grant, GroupCommit, NewComplaint, NewResponse,
    Respondent, SessionUser, Store, StoreError, Stored, StoredComplaint, StoredResponse,
    TokenRecord, DAY_MS,
};
use shared::case::{Actor, EntryKind, Priority, ProblemStatus, Status, Urgency, Workflow};
use shared::{
    Answer, Frequency, NpsScore, Question, QuestionId, QuestionKind, ResponseId,
    ResponseSubmission, SiteKey, Survey, SurveyId, Trigger,
};
use sqlx::Connection as _;
use std::sync::Arc;

/// Generates, for each test, `sqlite::NAME` and `postgres::NAME`, each on a fresh database.
/// Tests under `with_db` also get the `TestDb`, to set up states the trait cannot make.
macro_rules! on_every_engine {
    (tests: [$($test:ident),* $(,)?], with_db: [$($db_test:ident),* $(,)?] $(,)?) => {
        on_every_engine!(@engine sqlite, [$($test),*], [$($db_test),*]);
        on_every_engine!(@engine postgres, [$($test),*], [$($db_test),*]);
    };
    (@engine $engine:ident, [$($test:ident),*], [$($db_test:ident),*]) => {
        mod $engine {
            use super::TestDb;

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = TestDb::$engine().await;
                    super::$test(db.store.clone()).await;
                }
            )*

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $db_test() {
                    let db = TestDb::$engine().await;
                    super::$db_test(db.store.clone(), &db).await;
                }
            )*
        }
    };
}

on_every_engine! {
    tests: [
        the_database_answers_pings,
        a_new_site_has_its_origins_and_the_default_survey,
        a_site_and_its_owner_are_made_together_or_not_at_all,
        sites_are_listed_in_creation_order_and_found_by_key,
        an_origin_is_allowed_when_any_site_lists_it,
        an_answer_is_stored_once_and_a_replay_is_acknowledged,
        the_same_id_for_another_site_is_a_conflict,
        an_answer_for_an_unknown_site_is_refused,
        responses_are_listed_newest_first_up_to_the_limit,
        a_token_grants_its_role_on_its_site,
        concurrent_replays_store_one_row,
        tokens_are_revoked_by_site_and_id,
        a_user_is_found_by_email_and_an_email_names_one_user,
        a_user_has_one_role_per_site,
        a_session_lives_while_used_and_ends_when_idle_or_deleted,
        the_audit_log_lists_a_sites_entries_newest_first,
        what_ingest_learned_is_stored_with_an_answer,
        responses_are_paged_oldest_first_by_received_at_and_id,
        a_site_keeps_answers_for_its_retention_window,
        expired_answers_are_purged_and_sites_without_a_window_keep_everything,
        erasure_removes_one_respondents_answers_on_one_site,
        a_batch_gives_each_answer_its_own_outcome_in_one_transaction,
        concurrent_submissions_through_the_group_commit_share_batches,
        a_replay_through_the_group_commit_is_stored_once,
        a_site_starts_with_the_default_settings_and_keeps_what_is_set,
        a_complaint_is_stored_once_open_and_listed_newest_first,
        erasure_and_retention_remove_complaints_too,
        complaints_are_paged_oldest_first_by_received_at_and_id,
        surveys_are_created_versioned_by_each_edit_and_switched_on_and_off,
        a_large_batch_stores_each_answer_with_what_ingest_learned,
        a_flush_writes_what_is_queued_though_its_submitters_have_gone,
        a_server_secret_is_created_once_and_then_kept,
        a_case_changes_only_from_the_status_it_was_read_in_and_keeps_its_timeline,
        the_inbox_filters_sorts_and_pages_cases,
        text_search_finds_few_and_many_cases_in_order_and_forgets_deleted_ones,
        agents_workflows_and_problems_belong_to_their_site,
        a_due_job_is_taken_once_and_again_only_after_its_lease,
        a_setup_token_works_once_before_it_expires,
        the_first_user_owns_every_site_and_there_is_only_one_first_user,
        the_outbox_fans_out_once_and_a_gone_endpoint_tells_the_admins_by_mail,
        notification_preferences_are_a_members_own,
        no_endpoint_holds_more_than_its_share_of_deliveries,
    ],
    with_db: [
        active_surveys_are_listed_in_creation_order,
        a_revoked_token_grants_nothing,
    ],
}

const SHOP: &str = "https://shop.test";

async fn the_database_answers_pings(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
}

async fn a_site_and_its_owner_are_made_together_or_not_at_all(store: Arc<dyn Store>) {
    let ann = store.create_user("ann@shop.test", "h", 1).await.unwrap();
    let origins = ["https://shop.test".to_owned()];
    let site = store
        .create_owned_site("Shop", &origins, ann, 5)
        .await
        .unwrap();
    let grants = store.memberships(ann).await.unwrap();
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!((&grants[0].site, grants[0].role), (&site, Role::Owner));
    assert_eq!(store.active_surveys(&site.key).await.unwrap().len(), 1);

    // An owner who is not there (a user deleted meanwhile): no site either, not one nobody
    // can reach.
    let refused = store
        .create_owned_site("Orphan", &origins, ann + 1000, 6)
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let names: Vec<String> = store
        .sites()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Shop"]);
}

async fn a_new_site_has_its_origins_and_the_default_survey(store: Arc<dyn Store>) {
    let origins = [
        "https://b.shop.test".to_owned(),
        "https://a.shop.test".to_owned(),
        "https://a.shop.test".to_owned(),
    ];
    let site = store.create_site("Corner Shop", &origins, 5).await.unwrap();

    assert_eq!(site.name, "Corner Shop");
    // Sorted, and stored once however often they were given.
    assert_eq!(site.origins, ["https://a.shop.test", "https://b.shop.test"]);
    assert_eq!(store.site(&site.key).await.unwrap(), Some(site.clone()));

    let surveys = store.active_surveys(&site.key).await.unwrap();
    assert_eq!(surveys.len(), 1, "{surveys:?}");
    let survey = &surveys[0];
    assert_eq!(survey.id.as_str(), "nps");
    assert_eq!(survey.trigger, Trigger::page_view());
    assert_eq!(survey.frequency, Frequency::Once);
    match survey.questions.as_slice() {
        [Question {
            id,
            prompt,
            kind: QuestionKind::Nps,
            ..
        }] => {
            assert_eq!(id.as_str(), "q1");
            assert!(prompt.contains("Corner Shop"), "{prompt}");
        }
        other => panic!("the default survey asks one NPS question, not {other:?}"),
    }
}

async fn sites_are_listed_in_creation_order_and_found_by_key(store: Arc<dyn Store>) {
    assert!(store.sites().await.unwrap().is_empty());
    let first = store.create_site("First", &[], 1).await.unwrap();
    let second = store
        .create_site("Second", &[SHOP.to_owned()], 2)
        .await
        .unwrap();

    assert_ne!(first.key, second.key);
    assert_eq!(first.origins, Vec::<String>::new());
    assert_eq!(
        store.sites().await.unwrap(),
        [first.clone(), second.clone()]
    );
    assert_eq!(store.site(&second.key).await.unwrap(), Some(second));

    let unknown = SiteKey::parse("no-such-site").unwrap();
    assert_eq!(store.site(&unknown).await.unwrap(), None);
    assert!(store.active_surveys(&unknown).await.unwrap().is_empty());
}

async fn an_origin_is_allowed_when_any_site_lists_it(store: Arc<dyn Store>) {
    assert!(!store.any_site_allows(SHOP).await.unwrap());

    store
        .create_site("Shop", &[SHOP.to_owned()], 1)
        .await
        .unwrap();
    assert!(store.any_site_allows(SHOP).await.unwrap());
    // Origins match exactly: another port or scheme is another origin.
    assert!(!store
        .any_site_allows("https://shop.test:8443")
        .await
        .unwrap());
    assert!(!store.any_site_allows("http://shop.test").await.unwrap());
    assert!(!store.any_site_allows("https://blog.test").await.unwrap());

    store
        .create_site("Blog", &["https://blog.test".to_owned()], 2)
        .await
        .unwrap();
    assert!(store.any_site_allows("https://blog.test").await.unwrap());
    assert!(store.any_site_allows(SHOP).await.unwrap());
}

async fn active_surveys_are_listed_in_creation_order(store: Arc<dyn Store>, db: &TestDb) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    // The trait cannot add surveys yet, so they go in behind its back, in the columns both
    // schemas share.
    for (key, status) in [
        ("later", "active"),
        ("paused", "paused"),
        ("latest", "active"),
    ] {
        let definition = serde_json::to_string(&survey(key)).unwrap();
        assert!(!definition.contains('\''), "{definition}");
        db.execute(&format!(
            "INSERT INTO surveys (site_id, key, status, definition, created_at)
             VALUES ((SELECT id FROM sites WHERE key = '{}'), '{key}', '{status}', '{definition}', 2)",
            site.key
        ))
        .await;
    }

    let listed: Vec<String> = store
        .active_surveys(&site.key)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id.as_str().to_owned())
        .collect();
    assert_eq!(listed, ["nps", "later", "latest"]);
    assert_eq!(
        store.active_surveys(&site.key).await.unwrap()[2],
        survey("latest"),
        "a survey reads back as it was written"
    );
}

async fn an_answer_is_stored_once_and_a_replay_is_acknowledged(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let answer = submission(&site.key, uuid::Uuid::new_v4(), 9);

    assert_eq!(
        store.insert_response(&answer, 100).await.unwrap(),
        Stored::Created
    );
    assert_eq!(
        store.insert_response(&answer, 200).await.unwrap(),
        Stored::Replayed
    );

    // The first arrival is the one kept.
    assert_eq!(
        store.responses(&site.key, 10).await.unwrap(),
        [stored(&answer, 100)]
    );
}

async fn the_same_id_for_another_site_is_a_conflict(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let id = uuid::Uuid::new_v4();
    let answer = submission(&shop.key, id, 7);
    store.insert_response(&answer, 100).await.unwrap();

    let stolen = submission(&blog.key, id, 0);
    match store.insert_response(&stolen, 200).await {
        Err(StoreError::Conflict(what)) => assert_eq!(what, "responses.id"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(store.responses(&blog.key, 10).await.unwrap().is_empty());
    assert_eq!(
        store.responses(&shop.key, 10).await.unwrap(),
        [stored(&answer, 100)]
    );
}

async fn an_answer_for_an_unknown_site_is_refused(store: Arc<dyn Store>) {
    let unknown = SiteKey::parse("no-such-site").unwrap();
    let answer = submission(&unknown, uuid::Uuid::new_v4(), 5);
    assert!(matches!(
        store.insert_response(&answer, 100).await,
        Err(StoreError::Other(_))
    ));
    assert!(store.responses(&unknown, 10).await.unwrap().is_empty());
}

async fn responses_are_listed_newest_first_up_to_the_limit(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let oldest = submission(&shop.key, uuid::Uuid::from_u128(1), 0);
    let mut middle = submission(&shop.key, uuid::Uuid::from_u128(2), 10);
    middle.page_url = None;
    // Two answers in the same millisecond are listed by id, highest first.
    let newest_low = submission(&shop.key, uuid::Uuid::from_u128(3), 5);
    let newest_high = submission(&shop.key, uuid::Uuid::from_u128(u128::MAX - 1), 6);
    let elsewhere = submission(&blog.key, uuid::Uuid::from_u128(4), 8);
    for (answer, at) in [
        (&newest_low, 300),
        (&oldest, 100),
        (&elsewhere, 400),
        (&newest_high, 300),
        (&middle, 200),
    ] {
        assert_eq!(
            store.insert_response(answer, at).await.unwrap(),
            Stored::Created
        );
    }

    let all = [
        stored(&newest_high, 300),
        stored(&newest_low, 300),
        stored(&middle, 200),
        stored(&oldest, 100),
    ];
    assert_eq!(store.responses(&shop.key, 10).await.unwrap(), all);
    assert_eq!(store.responses(&shop.key, 2).await.unwrap(), all[..2]);
    assert!(store.responses(&shop.key, 0).await.unwrap().is_empty());
    assert_eq!(
        store.responses(&blog.key, 10).await.unwrap(),
        [stored(&elsewhere, 400)]
    );
}

async fn a_token_grants_its_role_on_its_site(store: Arc<dyn Store>) {
    let shop = store
        .create_site("Shop", &[SHOP.to_owned()], 1)
        .await
        .unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    store
        .create_token(&shop.key, Role::Owner, "hash-of-shop-token", 2)
        .await
        .unwrap();
    store
        .create_token(&blog.key, Role::Viewer, "hash-of-blog-token", 2)
        .await
        .unwrap();

    assert_eq!(
        store.grant("hash-of-shop-token").await.unwrap(),
        Some(Grant {
            site: shop.clone(),
            role: Role::Owner
        })
    );
    assert_eq!(
        store.grant("hash-of-blog-token").await.unwrap(),
        Some(Grant {
            site: blog,
            role: Role::Viewer
        })
    );
    assert_eq!(store.grant("hash-of-no-token").await.unwrap(), None);

    let unknown = SiteKey::parse("no-such-site").unwrap();
    assert!(store
        .create_token(&unknown, Role::Admin, "hash-of-orphan", 3)
        .await
        .is_err());
    assert_eq!(store.grant("hash-of-orphan").await.unwrap(), None);
    // A hash names one token.
    assert!(store
        .create_token(&shop.key, Role::Viewer, "hash-of-shop-token", 3)
        .await
        .is_err());
    assert_eq!(
        store
            .grant("hash-of-shop-token")
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Owner
    );
}

async fn a_revoked_token_grants_nothing(store: Arc<dyn Store>, db: &TestDb) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    for hash in ["hash-of-revoked", "hash-of-kept"] {
        store
            .create_token(&site.key, Role::Admin, hash, 2)
            .await
            .unwrap();
    }
    // The trait has no revocation yet; revoke in the column both schemas share.
    db.execute("UPDATE api_tokens SET revoked_at = 3 WHERE token_hash = 'hash-of-revoked'")
        .await;

    assert_eq!(store.grant("hash-of-revoked").await.unwrap(), None);
    assert_eq!(
        store.grant("hash-of-kept").await.unwrap(),
        Some(Grant {
            site,
            role: Role::Admin
        })
    );
}

async fn concurrent_replays_store_one_row(store: Arc<dyn Store>) {
    const CALLS: usize = 100;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let answer = Arc::new(submission(&site.key, uuid::Uuid::new_v4(), 8));

    let mut calls = tokio::task::JoinSet::new();
    for i in 0..CALLS {
        let (store, answer) = (store.clone(), answer.clone());
        calls.spawn(async move { store.insert_response(&answer, 100 + i as i64).await });
    }
    let mut outcomes = Vec::with_capacity(CALLS);
    while let Some(outcome) = calls.join_next().await {
        outcomes.push(outcome.expect("a call panicked").expect("a call failed"));
    }

    let created = outcomes.iter().filter(|o| **o == Stored::Created).count();
    let replayed = outcomes.iter().filter(|o| **o == Stored::Replayed).count();
    assert_eq!((created, replayed), (1, CALLS - 1));
    let rows = store.responses(&site.key, 1000).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].id, answer.id);
}

fn new_response(answer: &ResponseSubmission, at: i64) -> NewResponse {
    NewResponse {
        submission: answer.clone(),
        enrichment: Enrichment::default(),
        received_at: at,
    }
}

async fn a_batch_gives_each_answer_its_own_outcome_in_one_transaction(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let earlier = submission(&shop.key, uuid::Uuid::new_v4(), 3);
    let blogs = submission(&blog.key, uuid::Uuid::new_v4(), 4);
    store.insert_response(&earlier, 10).await.unwrap();
    store.insert_response(&blogs, 11).await.unwrap();

    let fresh = submission(&shop.key, uuid::Uuid::new_v4(), 9);
    let twice = submission(&shop.key, uuid::Uuid::new_v4(), 6);
    let stolen = submission(&shop.key, blogs.id.as_uuid(), 0);
    let unknown = submission(
        &SiteKey::parse("no-such-site").unwrap(),
        uuid::Uuid::new_v4(),
        1,
    );
    let outcomes = store
        .insert_batch(&[
            new_response(&fresh, 100),
            new_response(&earlier, 101),
            new_response(&twice, 102),
            new_response(&stolen, 103),
            new_response(&twice, 104),
            new_response(&unknown, 105),
        ])
        .await
        .expect("the batch commits");

    assert_eq!(outcomes.len(), 6);
    assert_eq!(outcomes[0].as_ref().unwrap(), &Stored::Created);
    assert_eq!(outcomes[1].as_ref().unwrap(), &Stored::Replayed);
    assert_eq!(outcomes[2].as_ref().unwrap(), &Stored::Created);
    assert!(
        matches!(outcomes[3], Err(StoreError::Conflict("responses.id"))),
        "{:?}",
        outcomes[3]
    );
    // The same id twice in one batch: stored once, by its first arrival.
    assert_eq!(outcomes[4].as_ref().unwrap(), &Stored::Replayed);
    assert!(matches!(outcomes[5], Err(StoreError::Other(_))));

    let mut shop_rows = store.responses(&shop.key, 10).await.unwrap();
    shop_rows.sort_by_key(|r| r.received_at);
    assert_eq!(
        shop_rows,
        [
            stored(&earlier, 10),
            stored(&fresh, 100),
            stored(&twice, 102)
        ]
    );
    assert_eq!(
        store.responses(&blog.key, 10).await.unwrap(),
        [stored(&blogs, 11)]
    );
    assert!(store.insert_batch(&[]).await.unwrap().is_empty());
}

async fn concurrent_submissions_through_the_group_commit_share_batches(store: Arc<dyn Store>) {
    const CALLS: usize = 200;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = sizes.clone();
    let group = GroupCommit::new(
        store.clone(),
        Some(Arc::new(move |n| seen.lock().unwrap().push(n))),
    );

    let answers: Vec<_> = (0..CALLS)
        .map(|i| submission(&site.key, uuid::Uuid::new_v4(), (i % 11) as i64))
        .collect();
    let mut calls = tokio::task::JoinSet::new();
    for (i, answer) in answers.iter().enumerate() {
        let (group, item) = (group.clone(), new_response(answer, 1000 + i as i64));
        calls.spawn(async move { group.insert(item).await });
    }
    while let Some(outcome) = calls.join_next().await {
        assert_eq!(
            outcome.expect("a call panicked").expect("a call failed"),
            Stored::Created
        );
    }

    let rows = store.responses(&site.key, 1000).await.unwrap();
    assert_eq!(rows.len(), CALLS);
    let mut stored_ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let mut sent_ids: Vec<_> = answers.iter().map(|a| a.id).collect();
    stored_ids.sort_by_key(|id| id.to_string());
    sent_ids.sort_by_key(|id| id.to_string());
    assert_eq!(stored_ids, sent_ids);

    let sizes = sizes.lock().unwrap().clone();
    assert_eq!(sizes.iter().sum::<usize>(), CALLS, "{sizes:?}");
    assert_eq!(sizes.len() as u64, group.batches());
    assert!(group.largest_batch() > 1, "no batch was shared: {sizes:?}");
    assert!(group.largest_batch() <= store::MAX_BATCH);
}

async fn a_replay_through_the_group_commit_is_stored_once(store: Arc<dyn Store>) {
    const CALLS: usize = 100;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let answer = submission(&site.key, uuid::Uuid::new_v4(), 8);
    let group = GroupCommit::new(store.clone(), None);

    let mut calls = tokio::task::JoinSet::new();
    for i in 0..CALLS {
        let (group, item) = (group.clone(), new_response(&answer, 100 + i as i64));
        calls.spawn(async move { group.insert(item).await });
    }
    let mut outcomes = Vec::with_capacity(CALLS);
    while let Some(outcome) = calls.join_next().await {
        outcomes.push(outcome.expect("a call panicked").expect("a call failed"));
    }
    let created = outcomes.iter().filter(|o| **o == Stored::Created).count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert_eq!(store.responses(&site.key, 1000).await.unwrap().len(), 1);
}

/// More answers than one multi-row statement carries, each with its own enrichment (some
/// fields absent), read back exactly as they went in.
async fn a_large_batch_stores_each_answer_with_what_ingest_learned(store: Arc<dyn Store>) {
    const ANSWERS: usize = 203;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let items: Vec<NewResponse> = (0..ANSWERS)
        .map(|i| {
            let mut item = new_response(
                &submission(&site.key, uuid::Uuid::new_v4(), (i % 11) as i64),
                1000 + i as i64,
            );
            item.enrichment = enrichment(
                &format!("{i:016x}"),
                (i % 3 == 0).then_some("u-1"),
                (i % 5 == 0).then_some("ann@example.com"),
            );
            if i % 7 == 0 {
                item.submission.page_url = None;
                item.enrichment.page_path = None;
                item.enrichment.locale = None;
            }
            item
        })
        .collect();

    let outcomes = store.insert_batch(&items).await.expect("the batch commits");
    assert_eq!(outcomes.len(), ANSWERS);
    assert!(outcomes.iter().all(|o| matches!(o, Ok(Stored::Created))));

    let mut read = store.responses(&site.key, 1000).await.unwrap();
    read.sort_by_key(|r| r.received_at);
    let expected: Vec<StoredResponse> = items
        .iter()
        .map(|item| {
            let mut row = stored(&item.submission, item.received_at);
            row.enrichment = item.enrichment.clone();
            row
        })
        .collect();
    assert_eq!(read, expected);
}

/// Submitters that stopped waiting (their requests were cancelled) leave their answers queued;
/// `flush`, which the server calls when it stops, returns only once those are written.
async fn a_flush_writes_what_is_queued_though_its_submitters_have_gone(store: Arc<dyn Store>) {
    use futures_util::FutureExt as _;
    const CALLS: usize = 50;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let group = GroupCommit::new(store.clone(), None);
    let answers: Vec<_> = (0..CALLS)
        .map(|i| submission(&site.key, uuid::Uuid::new_v4(), (i % 11) as i64))
        .collect();
    for (i, answer) in answers.iter().enumerate() {
        // One poll queues the answer; the call is then dropped, as a cancelled request's is.
        let _ = group
            .insert(new_response(answer, 100 + i as i64))
            .now_or_never();
    }

    group.flush().await;
    let mut stored_ids: Vec<_> = store
        .responses(&site.key, 1000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    let mut sent_ids: Vec<_> = answers.iter().map(|a| a.id.to_string()).collect();
    stored_ids.sort();
    sent_ids.sort();
    assert_eq!(stored_ids, sent_ids);
    assert_eq!(group.queued(), 0);
}

async fn tokens_are_revoked_by_site_and_id(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let first = store
        .create_token(&shop.key, Role::Agent, "hash-1", 2)
        .await
        .unwrap();
    let second = store
        .create_token(&shop.key, Role::Owner, "hash-2", 3)
        .await
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(
        store.token_grant("hash-2").await.unwrap(),
        Some((
            second,
            Grant {
                site: shop.clone(),
                role: Role::Owner
            }
        ))
    );
    assert_eq!(
        store.site_token(&shop.key, first).await.unwrap(),
        Some(TokenRecord {
            id: first,
            role: Role::Agent,
            created_at: 2,
            revoked_at: None
        })
    );
    // The site's list has both, newest first; another site's has neither.
    let listed = |tokens: Vec<TokenRecord>| tokens.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        listed(store.site_tokens(&shop.key).await.unwrap()),
        [second, first]
    );
    assert!(store.site_tokens(&blog.key).await.unwrap().is_empty());
    // Another site's key does not reach the token.
    assert_eq!(store.site_token(&blog.key, first).await.unwrap(), None);
    assert!(!store.revoke_token(&blog.key, first, 4).await.unwrap());
    assert!(store.grant("hash-1").await.unwrap().is_some());

    assert!(store.revoke_token(&shop.key, first, 5).await.unwrap());
    assert_eq!(store.grant("hash-1").await.unwrap(), None);
    // A revoked token leaves the list.
    assert_eq!(
        listed(store.site_tokens(&shop.key).await.unwrap()),
        [second]
    );
    assert_eq!(
        store
            .site_token(&shop.key, first)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(5)
    );
    // Revoking twice changes nothing.
    assert!(!store.revoke_token(&shop.key, first, 6).await.unwrap());
    assert_eq!(
        store
            .site_token(&shop.key, first)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(5)
    );
    assert!(store.grant("hash-2").await.unwrap().is_some());
}

async fn a_user_is_found_by_email_and_an_email_names_one_user(store: Arc<dyn Store>) {
    assert_eq!(store.user_by_email("ann@shop.test").await.unwrap(), None);
    let ann = store
        .create_user("ann@shop.test", "$argon2id$ann", 1)
        .await
        .unwrap();
    let bob = store
        .create_user("bob@shop.test", "$argon2id$bob", 1)
        .await
        .unwrap();
    assert_ne!(ann, bob);

    let found = store.user_by_email("ann@shop.test").await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.email.as_str(), found.password_hash.as_str()),
        (ann, "ann@shop.test", "$argon2id$ann")
    );
    assert!(!format!("{found:?}").contains("argon2id"), "{found:?}");

    match store
        .create_user("ann@shop.test", "$argon2id$other", 2)
        .await
    {
        Err(StoreError::Conflict(what)) => assert_eq!(what, "users.email"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store
            .user_by_email("ann@shop.test")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$ann"
    );
}

async fn a_user_has_one_role_per_site(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let ann = store.create_user("ann@shop.test", "h", 1).await.unwrap();
    let bob = store.create_user("bob@shop.test", "h", 1).await.unwrap();
    assert!(store.memberships(ann).await.unwrap().is_empty());

    store
        .set_membership(ann, &blog.key, Role::Viewer, 2)
        .await
        .unwrap();
    store
        .set_membership(ann, &shop.key, Role::Agent, 2)
        .await
        .unwrap();
    store
        .set_membership(bob, &shop.key, Role::Owner, 2)
        .await
        .unwrap();
    // A second role on the same site replaces the first.
    store
        .set_membership(ann, &shop.key, Role::Admin, 3)
        .await
        .unwrap();

    assert_eq!(
        store.memberships(ann).await.unwrap(),
        [
            Grant {
                site: shop.clone(),
                role: Role::Admin
            },
            Grant {
                site: blog,
                role: Role::Viewer
            }
        ]
    );
    assert_eq!(
        store.memberships(bob).await.unwrap(),
        [Grant {
            site: shop,
            role: Role::Owner
        }]
    );
    let unknown = SiteKey::parse("no-such-site").unwrap();
    assert!(store
        .set_membership(ann, &unknown, Role::Owner, 4)
        .await
        .is_err());
    assert_eq!(store.memberships(ann).await.unwrap().len(), 2);
}

async fn a_session_lives_while_used_and_ends_when_idle_or_deleted(store: Arc<dyn Store>) {
    let ann = store.create_user("ann@shop.test", "h", 1).await.unwrap();
    let as_ann = Some(SessionUser {
        user_id: ann,
        email: "ann@shop.test".into(),
    });
    store
        .create_session(ann, "session-1", 100, 200)
        .await
        .unwrap();
    store
        .create_session(ann, "session-2", 100, 200)
        .await
        .unwrap();
    assert_eq!(
        store.touch_session("no-session", 150, 250).await.unwrap(),
        None
    );

    // Used before it expires, a session lasts longer.
    assert_eq!(
        store.touch_session("session-1", 150, 250).await.unwrap(),
        as_ann
    );
    assert_eq!(
        store.touch_session("session-1", 240, 340).await.unwrap(),
        as_ann
    );
    // Left idle, it ends at its expiry.
    assert_eq!(
        store.touch_session("session-2", 200, 300).await.unwrap(),
        None
    );
    assert_eq!(
        store.touch_session("session-2", 150, 250).await.unwrap(),
        as_ann,
        "not swept yet"
    );
    assert_eq!(
        store.touch_session("session-1", 340, 440).await.unwrap(),
        None
    );

    // A new session sweeps out expired ones.
    store
        .create_session(ann, "session-3", 400, 500)
        .await
        .unwrap();
    assert_eq!(
        store.touch_session("session-2", 150, 250).await.unwrap(),
        None
    );

    assert!(store.delete_session("session-3").await.unwrap());
    assert!(!store.delete_session("session-3").await.unwrap());
    assert_eq!(
        store.touch_session("session-3", 410, 510).await.unwrap(),
        None
    );
}

async fn the_audit_log_lists_a_sites_entries_newest_first(store: Arc<dyn Store>) {
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let entry = |at, site: Option<&SiteKey>, action: &str| AuditEntry {
        at,
        actor: "ann@shop.test".into(),
        site: site.cloned(),
        action: action.into(),
        detail: format!("detail of {action}"),
    };
    let entries = [
        entry(10, Some(&shop.key), "token.create"),
        entry(30, Some(&shop.key), "token.revoke"),
        entry(20, Some(&blog.key), "token.create"),
        entry(40, None, "session.create"),
        entry(30, Some(&shop.key), "token.create"),
    ];
    for e in &entries {
        store.record_audit(e).await.unwrap();
    }

    // Entries of the same millisecond are listed latest first.
    assert_eq!(
        store.audit_log(&shop.key, 10).await.unwrap(),
        [entries[4].clone(), entries[1].clone(), entries[0].clone()]
    );
    assert_eq!(
        store.audit_log(&shop.key, 1).await.unwrap(),
        [entries[4].clone()]
    );
    assert_eq!(
        store.audit_log(&blog.key, 10).await.unwrap(),
        [entries[2].clone()]
    );

    // Searched: by action, by part of the actor in any case (LIKE's `_` and `%` taken
    // literally), and by time, the end excluded.
    let mut other = entry(50, Some(&shop.key), "member.remove");
    other.actor = "Bob_Admin@Shop.test".into();
    store.record_audit(&other).await.unwrap();
    let search = |query: AuditQuery| {
        let (store, key) = (store.clone(), shop.key.clone());
        async move { store.audit_search(&key, &query, 10).await.unwrap() }
    };
    let actions = |found: Vec<AuditEntry>| -> Vec<(i64, String)> {
        found.into_iter().map(|e| (e.at, e.action)).collect()
    };
    let query = |action: Option<&str>, actor: Option<&str>, since, until| AuditQuery {
        action: action.map(Into::into),
        actor: actor.map(Into::into),
        since,
        until,
    };
    assert_eq!(
        actions(search(query(Some("token.create"), None, None, None)).await),
        [(30, "token.create".into()), (10, "token.create".into())]
    );
    assert_eq!(
        actions(search(query(None, Some("b_ADMIN"), None, None)).await),
        [(50, "member.remove".into())]
    );
    assert_eq!(
        actions(search(query(None, Some("b%admin"), None, None)).await),
        [],
        "% is no wildcard"
    );
    assert_eq!(
        actions(search(query(None, Some("ann@"), Some(10), Some(30))).await),
        [(10, "token.create".into())]
    );
    assert_eq!(
        actions(search(query(Some("token.revoke"), Some("ann"), Some(30), None)).await),
        [(30, "token.revoke".into())]
    );
}

async fn what_ingest_learned_is_stored_with_an_answer(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let answer = submission(&site.key, uuid::Uuid::new_v4(), 9);
    let mut learned = enrichment("ab12cd34ef56ab78", Some("u-1"), Some("ann@example.com"));
    learned.attributes = [("plan", "pro"), ("seats", "3")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    assert_eq!(
        store.insert_enriched(&answer, &learned, 100).await.unwrap(),
        Stored::Created
    );
    let mut expected = stored(&answer, 100);
    expected.enrichment = learned;
    assert_eq!(store.responses(&site.key, 10).await.unwrap(), [expected]);
}

async fn responses_are_paged_oldest_first_by_received_at_and_id(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    // Five answers, three of them received in the same millisecond: the id breaks the tie.
    let mut answers = Vec::new();
    for (i, at) in [300, 100, 200, 200, 200].into_iter().enumerate() {
        let answer = submission(&site.key, uuid::Uuid::new_v4(), i as i64);
        store.insert_response(&answer, at).await.unwrap();
        answers.push(stored(&answer, at));
    }
    let noise = submission(&other.key, uuid::Uuid::new_v4(), 1);
    store.insert_response(&noise, 150).await.unwrap();
    answers.sort_by_key(|a| (a.received_at, a.id.to_string()));

    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store.responses_page(&site.key, after, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some((last.received_at, last.id));
        walked.extend(page);
    }
    assert_eq!(walked, answers);
}

async fn a_site_keeps_answers_for_its_retention_window(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    assert_eq!(store.retention_days(&site.key).await.unwrap(), None);
    assert!(store.set_retention_days(&site.key, Some(30)).await.unwrap());
    assert_eq!(store.retention_days(&site.key).await.unwrap(), Some(30));
    assert!(store.set_retention_days(&site.key, None).await.unwrap());
    assert_eq!(store.retention_days(&site.key).await.unwrap(), None);
}

async fn expired_answers_are_purged_and_sites_without_a_window_keep_everything(
    store: Arc<dyn Store>,
) {
    let now = 1_795_000_000_000;
    let kept_short = store.create_site("Short", &[], 1).await.unwrap();
    let forever = store.create_site("Forever", &[], 1).await.unwrap();
    store
        .set_retention_days(&kept_short.key, Some(7))
        .await
        .unwrap();
    let old = submission(&kept_short.key, uuid::Uuid::new_v4(), 1);
    let recent = submission(&kept_short.key, uuid::Uuid::new_v4(), 2);
    let ancient = submission(&forever.key, uuid::Uuid::new_v4(), 3);
    store
        .insert_response(&old, now - 7 * DAY_MS - 1)
        .await
        .unwrap();
    store
        .insert_response(&recent, now - 7 * DAY_MS + 1)
        .await
        .unwrap();
    store
        .insert_response(&ancient, now - 10_000 * DAY_MS)
        .await
        .unwrap();

    assert_eq!(store.purge_expired(now).await.unwrap(), 1);
    assert_eq!(
        store.responses(&kept_short.key, 10).await.unwrap(),
        [stored(&recent, now - 7 * DAY_MS + 1)]
    );
    assert_eq!(
        store.responses(&forever.key, 10).await.unwrap(),
        [stored(&ancient, now - 10_000 * DAY_MS)]
    );
    // Nothing more is due until time moves on.
    assert_eq!(store.purge_expired(now).await.unwrap(), 0);
    assert_eq!(store.purge_expired(now + 2).await.unwrap(), 1);
}

async fn erasure_removes_one_respondents_answers_on_one_site(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let ann = enrichment("aaaaaaaaaaaaaaaa", Some("u-ann"), Some("ann@example.com"));
    let bob = enrichment("bbbbbbbbbbbbbbbb", Some("u-bob"), Some("bob@example.com"));
    for at in 0..2 {
        for (key, who) in [(&site.key, &ann), (&site.key, &bob), (&other.key, &ann)] {
            let answer = submission(key, uuid::Uuid::new_v4(), 5);
            store.insert_enriched(&answer, who, at).await.unwrap();
        }
    }
    let left = |key: SiteKey| {
        let store = store.clone();
        async move {
            let mut users: Vec<String> = store
                .responses(&key, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.enrichment.user_id.unwrap())
                .collect();
            users.sort();
            users
        }
    };

    let by_email = Respondent::Email("ann@example.com".into());
    assert_eq!(
        store.erase_respondent(&site.key, &by_email).await.unwrap(),
        2
    );
    assert_eq!(left(site.key.clone()).await, ["u-bob", "u-bob"]);
    assert_eq!(left(other.key.clone()).await, ["u-ann", "u-ann"]);
    assert_eq!(
        store.erase_respondent(&site.key, &by_email).await.unwrap(),
        0
    );

    let by_user = Respondent::UserId("u-ann".into());
    assert_eq!(
        store.erase_respondent(&other.key, &by_user).await.unwrap(),
        2
    );
    assert!(left(other.key.clone()).await.is_empty());

    let by_visitor = Respondent::Visitor("bbbbbbbbbbbbbbbb".into());
    assert_eq!(
        store
            .erase_respondent(&site.key, &by_visitor)
            .await
            .unwrap(),
        2
    );
    assert!(left(site.key.clone()).await.is_empty());
}

async fn a_site_starts_with_the_default_settings_and_keeps_what_is_set(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    assert_eq!(
        store.site_settings(&site.key).await.unwrap(),
        Some(shared::SiteSettings::default())
    );
    let mut settings = shared::SiteSettings {
        launcher: None,
        categories: vec!["Billing".into()],
        cooldown_days: 0,
        ..Default::default()
    };
    settings.theme.brand = "#112233".into();
    assert!(store.set_site_settings(&site.key, &settings).await.unwrap());
    assert_eq!(
        store.site_settings(&site.key).await.unwrap(),
        Some(settings.clone())
    );
    assert_eq!(
        store.site_settings(&other.key).await.unwrap(),
        Some(shared::SiteSettings::default())
    );
    let unknown = SiteKey::parse("nope").unwrap();
    assert_eq!(store.site_settings(&unknown).await.unwrap(), None);
    assert!(!store.set_site_settings(&unknown, &settings).await.unwrap());
}

fn complaint(site: &SiteKey, email: Option<&str>, at: i64, who: &Enrichment) -> NewComplaint {
    let mut body = serde_json::json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "site_key": site,
        "category": "Billing",
        "description": "Charged twice",
        "impact": 4,
        "page_url": "https://shop.test/checkout",
    });
    if let Some(e) = email {
        body["email"] = e.into();
        body["contact_consent"] = true.into();
    }
    let mut enrichment = who.clone();
    enrichment.email = None;
    let complaint: shared::ComplaintSubmission = serde_json::from_value(body).unwrap();
    let intake = collector::complaints::intake::plan(
        &Workflow::default(),
        complaint.category.as_deref(),
        &complaint.description,
        complaint.impact,
        &[],
    );
    NewComplaint {
        complaint,
        enrichment,
        received_at: at,
        intake,
        token: None,
        channel: "phone",
        source_url: Some("https://chat.example/t/1".into()),
        resolved_at: None,
    }
}

/// `c` as read back, the site's `number`th case, untouched since it came in.
fn stored_complaint(c: &NewComplaint, number: u64) -> StoredComplaint {
    StoredComplaint {
        id: c.complaint.id,
        status: c.intake.status,
        number,
        urgency: c.intake.urgency,
        priority: c.intake.priority,
        priority_overridden: false,
        assignee: None,
        problem: None,
        merged_into: None,
        updated_at: c.received_at,
        resolved_at: None,
        kind: c.complaint.kind,
        category: c.intake.category.clone(),
        description: c.complaint.description.clone(),
        impact: c.complaint.impact,
        email: c.complaint.email.clone(),
        contact_consent: c.complaint.contact_consent,
        page_url: c.complaint.page_url.clone(),
        received_at: c.received_at,
        enrichment: c.enrichment.clone(),
        hot: c.intake.hot,
        sla: c
            .intake
            .sla
            .as_ref()
            .map(|u| u.sla.clone())
            .unwrap_or_default(),
        channel: c.channel.to_owned(),
        source_url: c.source_url.clone(),
    }
}

async fn a_complaint_is_stored_once_open_and_listed_newest_first(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let mut who = enrichment("aaaaaaaaaaaaaaaa", Some("u-1"), None);
    who.attributes = [("plan".to_owned(), "pro".to_owned())].into();
    let first = complaint(&site.key, Some("ann@example.com"), 100, &who);
    let mut second = complaint(&site.key, None, 200, &Enrichment::default());
    second.complaint.kind = shared::ComplaintKind::Suggestion;
    second.complaint.impact = None;
    second.complaint.category = None;
    second.intake.category = None;
    assert_eq!(
        store.insert_complaint(&first).await.unwrap(),
        (Stored::Created, 1)
    );
    assert_eq!(
        store.insert_complaint(&second).await.unwrap(),
        (Stored::Created, 2)
    );
    assert_eq!(
        store.insert_complaint(&first).await.unwrap(),
        (Stored::Replayed, 1),
        "a replay keeps its number and takes none"
    );
    let mut stolen = first.clone();
    stolen.complaint.site_key = other.key.clone();
    assert!(matches!(
        store.insert_complaint(&stolen).await,
        Err(StoreError::Conflict("complaints.id"))
    ));
    assert_eq!(
        store.complaints(&site.key, 10).await.unwrap(),
        [stored_complaint(&second, 2), stored_complaint(&first, 1)]
    );
    assert_eq!(
        store.complaints(&site.key, 1).await.unwrap(),
        [stored_complaint(&second, 2)]
    );
    // The replay took no number: the next complaint is the third.
    let third = complaint(&site.key, None, 300, &Enrichment::default());
    assert_eq!(store.insert_complaint(&third).await.unwrap().1, 3);
    assert!(store.complaints(&other.key, 10).await.unwrap().is_empty());
}

async fn complaints_are_paged_oldest_first_by_received_at_and_id(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let mut expected = Vec::new();
    for (n, at) in [300, 100, 200, 200, 200].into_iter().enumerate() {
        let c = complaint(&site.key, None, at, &Enrichment::default());
        store.insert_complaint(&c).await.unwrap();
        expected.push(stored_complaint(&c, n as u64 + 1));
    }
    let noise = complaint(&other.key, None, 150, &Enrichment::default());
    store.insert_complaint(&noise).await.unwrap();
    expected.sort_by_key(|c| (c.received_at, c.id.to_string()));
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store.complaints_page(&site.key, after, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some((last.received_at, last.id));
        walked.extend(page);
    }
    assert_eq!(walked, expected);
}

async fn erasure_and_retention_remove_complaints_too(store: Arc<dyn Store>) {
    let now = 1_795_000_000_000;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let ann = enrichment("aaaaaaaaaaaaaaaa", Some("u-ann"), Some("ann@example.com"));
    let bob = enrichment("bbbbbbbbbbbbbbbb", Some("u-bob"), None);
    let by_email = complaint(
        &site.key,
        Some("ann@example.com"),
        now,
        &Enrichment::default(),
    );
    let by_user = complaint(&site.key, None, now, &ann);
    let by_visitor = complaint(&site.key, None, now, &bob);
    for c in [&by_email, &by_user, &by_visitor] {
        store.insert_complaint(c).await.unwrap();
    }
    assert!(!store
        .timeline(&by_email.complaint.id)
        .await
        .unwrap()
        .is_empty());
    // An answer by the same e-mail address goes in the same erasure.
    let answer = submission(&site.key, uuid::Uuid::new_v4(), 5);
    store.insert_enriched(&answer, &ann, now).await.unwrap();
    let email = Respondent::Email("ann@example.com".into());
    assert_eq!(store.erase_respondent(&site.key, &email).await.unwrap(), 2);
    let user = Respondent::UserId("u-ann".into());
    assert_eq!(store.erase_respondent(&site.key, &user).await.unwrap(), 1);
    let visitor = Respondent::Visitor("bbbbbbbbbbbbbbbb".into());
    assert_eq!(
        store.erase_respondent(&site.key, &visitor).await.unwrap(),
        1
    );
    assert!(store.complaints(&site.key, 10).await.unwrap().is_empty());
    assert!(store.responses(&site.key, 10).await.unwrap().is_empty());
    // Their timelines went with them.
    for c in [&by_email, &by_user, &by_visitor] {
        assert!(store.timeline(&c.complaint.id).await.unwrap().is_empty());
    }

    let old = complaint(
        &site.key,
        None,
        now - 7 * DAY_MS - 1,
        &Enrichment::default(),
    );
    let recent = complaint(
        &site.key,
        None,
        now - 7 * DAY_MS + 1,
        &Enrichment::default(),
    );
    store.insert_complaint(&old).await.unwrap();
    store.insert_complaint(&recent).await.unwrap();
    assert_eq!(store.purge_expired(now).await.unwrap(), 0, "no window yet");
    store.set_retention_days(&site.key, Some(7)).await.unwrap();
    assert_eq!(store.purge_expired(now).await.unwrap(), 1);
    assert_eq!(
        store.complaints(&site.key, 10).await.unwrap(),
        [stored_complaint(&recent, 5)]
    );
    assert!(store.timeline(&old.complaint.id).await.unwrap().is_empty());
}

async fn surveys_are_created_versioned_by_each_edit_and_switched_on_and_off(store: Arc<dyn Store>) {
    use collector::store::SurveyStatus;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let nps = SurveyId::parse("nps").unwrap();
    let default = store.survey(&site.key, &nps).await.unwrap().unwrap();
    assert_eq!(default.status, SurveyStatus::Active);
    assert_eq!(default.survey.version, 1);
    assert_eq!(
        store.survey_version(&site.key, &nps, 1).await.unwrap(),
        Some(default.survey.clone()),
        "a new site's survey is kept as version 1"
    );

    let created = store
        .create_survey(&site.key, &survey("exit"), SurveyStatus::Paused, 5)
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert!(matches!(
        store
            .create_survey(&site.key, &survey("exit"), SurveyStatus::Paused, 6)
            .await,
        Err(StoreError::Conflict("surveys.key"))
    ));
    // Another site may use the same id.
    store
        .create_survey(&other.key, &survey("exit"), SurveyStatus::Active, 6)
        .await
        .unwrap();
    let ids = |records: Vec<collector::store::SurveyRecord>| {
        records
            .into_iter()
            .map(|r| (r.survey.id.as_str().to_owned(), r.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.surveys(&site.key).await.unwrap()),
        [
            ("nps".to_owned(), SurveyStatus::Active),
            ("exit".to_owned(), SurveyStatus::Paused)
        ]
    );
    let exit = SurveyId::parse("exit").unwrap();
    let mut edited = survey("exit");
    edited.name = "Exit, edited".into();
    let v2 = store
        .update_survey(&site.key, &edited, 7)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((v2.version, v2.name.as_str()), (2, "Exit, edited"));
    let v3 = store
        .update_survey(&site.key, &edited, 8)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v3.version, 3);
    assert_eq!(
        store
            .survey(&site.key, &exit)
            .await
            .unwrap()
            .unwrap()
            .survey,
        v3
    );
    assert_eq!(
        store.survey_version(&site.key, &exit, 1).await.unwrap(),
        Some(created)
    );
    assert_eq!(
        store.survey_version(&site.key, &exit, 2).await.unwrap(),
        Some(v2)
    );
    assert_eq!(
        store.survey_version(&site.key, &exit, 4).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .survey_version(&other.key, &exit, 1)
            .await
            .unwrap()
            .unwrap()
            .version,
        1,
        "the other site's survey of that id is untouched"
    );
    let missing = survey("missing");
    assert_eq!(
        store.update_survey(&site.key, &missing, 9).await.unwrap(),
        None
    );

    assert!(store
        .set_survey_status(&site.key, &exit, SurveyStatus::Active)
        .await
        .unwrap());
    assert!(store
        .set_survey_status(&site.key, &nps, SurveyStatus::Archived)
        .await
        .unwrap());
    assert!(!store
        .set_survey_status(&site.key, &missing.id, SurveyStatus::Active)
        .await
        .unwrap());
    let active: Vec<Survey> = store.active_surveys(&site.key).await.unwrap();
    assert_eq!(active, [v3]);

    // An answer keeps the version it answered.
    let mut answer = submission(&site.key, uuid::Uuid::new_v4(), 9);
    answer.survey_version = Some(1);
    store.insert_response(&answer, 10).await.unwrap();
    assert_eq!(
        store.responses(&site.key, 1).await.unwrap()[0].survey_version,
        Some(1)
    );

    // Every version is listed, oldest first, with what it had and the answers it received.
    let listed = store
        .survey_versions(&site.key, &exit)
        .await
        .unwrap()
        .unwrap();
    let summary: Vec<(u32, i64, &str, u32, u64)> = listed
        .iter()
        .map(|v| {
            (
                v.version,
                v.created_at,
                v.name.as_str(),
                v.questions,
                v.answers,
            )
        })
        .collect();
    let questions = u32::try_from(survey("exit").questions.len()).unwrap();
    assert_eq!(
        summary,
        [
            (1, 5, "Survey exit", questions, 0),
            (2, 7, "Exit, edited", questions, 0),
            (3, 8, "Exit, edited", questions, 0),
        ]
    );
    let nps_versions = store
        .survey_versions(&site.key, &nps)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(nps_versions.len(), 1);
    assert_eq!((nps_versions[0].version, nps_versions[0].answers), (1, 1));
    assert_eq!(
        store.survey_versions(&site.key, &missing.id).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .survey_versions(&other.key, &exit)
            .await
            .unwrap()
            .unwrap()
            .len(),
        1,
        "the other site's survey of that id has its own versions"
    );
}

fn enrichment(visitor: &str, user_id: Option<&str>, email: Option<&str>) -> Enrichment {
    Enrichment {
        page_path: Some("/cart".into()),
        device: Some("desktop".into()),
        browser: Some("Chrome".into()),
        locale: Some("de-CH".into()),
        visitor: Some(visitor.into()),
        user_id: user_id.map(Into::into),
        email: email.map(Into::into),
        attributes: Default::default(),
        segments: Vec::new(),
        channel: None,
    }
}

/// An NPS answer of `score` to the default survey.
fn submission(site: &SiteKey, id: uuid::Uuid, score: i64) -> ResponseSubmission {
    ResponseSubmission {
        id: ResponseId::from_uuid(id),
        site_key: site.clone(),
        survey_id: SurveyId::parse("nps").unwrap(),
        survey_version: None,
        answers: vec![Answer::Nps {
            question_id: QuestionId::parse("q1").unwrap(),
            score: NpsScore::new(score).unwrap(),
        }],
        page_url: Some("https://shop.test/cart?step=2".to_owned()),
    }
}

/// How `answer` reads back when it was received at `at`.
fn stored(answer: &ResponseSubmission, at: i64) -> StoredResponse {
    StoredResponse {
        id: answer.id,
        survey_key: answer.survey_id.as_str().to_owned(),
        answers: answer.answers.clone(),
        page_url: answer.page_url.clone(),
        received_at: at,
        enrichment: Default::default(),
        survey_version: answer.survey_version,
    }
}

fn survey(key: &str) -> Survey {
    serde_json::from_value(serde_json::json!({
        "id": key,
        "name": format!("Survey {key}"),
        "trigger": {"type": "page_view"},
        "frequency": {"type": "once"},
        "questions": [{"id": "q1", "type": "nps", "prompt": "Would you recommend us?"}]
    }))
    .unwrap()
}

/// A fresh, migrated database of one engine, and the store on it.
struct TestDb {
    store: Arc<dyn Store>,
    url: String,
    /// Holds the SQLite file; PostgreSQL databases go with the server's cluster.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("hark.db").display());
        Self {
            store: store::open(&url).await.unwrap(),
            url,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Self {
        let url = postgres_server::shared().fresh_database().await;
        Self {
            store: store::open(&url).await.unwrap(),
            url,
            _dir: None,
        }
    }

    /// Runs one statement behind the store's back, on its own connection.
    async fn execute(&self, sql: &str) {
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
    }
}

/// One PostgreSQL server per test binary; see the module.
#[path = "support/postgres.rs"]
mod postgres_server;

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_without_echoing_the_url() {
    let Err(e) = store::open("mysql://hark:secret@db/hark").await else {
        panic!("a MySQL URL opened a store");
    };
    let message = e.to_string();
    assert!(message.contains("\"mysql\""), "{message}");
    assert!(!message.contains("secret"), "{message}");
}

/// On a single-threaded runtime the writer cannot run between the two sends below, so the
/// second finds the one-place queue full.
#[tokio::test]
async fn a_full_group_commit_queue_is_unavailable_and_what_was_queued_is_stored() {
    let db = TestDb::sqlite().await;
    let site = db.store.create_site("Shop", &[], 1).await.unwrap();
    let group = GroupCommit::with_capacity(db.store.clone(), 1, None);
    let first = submission(&site.key, uuid::Uuid::new_v4(), 1);
    let second = submission(&site.key, uuid::Uuid::new_v4(), 2);

    let (queued, refused) = tokio::join!(
        group.insert(new_response(&first, 100)),
        group.insert(new_response(&second, 101)),
    );
    assert_eq!(queued.unwrap(), Stored::Created);
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(
        db.store.responses(&site.key, 10).await.unwrap(),
        [stored(&first, 100)]
    );
}

async fn a_server_secret_is_created_once_and_then_kept(store: Arc<dyn Store>) {
    assert_eq!(
        store
            .server_secret("visitor_salt", "first", 1)
            .await
            .unwrap(),
        "first"
    );
    // A second process offering its own value gets the stored one.
    assert_eq!(
        store
            .server_secret("visitor_salt", "second", 2)
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        store.server_secret("other", "third", 3).await.unwrap(),
        "third"
    );
}

async fn a_setup_token_works_once_before_it_expires(store: Arc<dyn Store>) {
    store.create_setup_token("t1", 100, 200).await.unwrap();
    store.create_setup_token("t2", 100, 200).await.unwrap();
    assert!(!store.use_setup_token("nope", 150).await.unwrap());
    assert!(store.use_setup_token("t1", 150).await.unwrap());
    assert!(!store.use_setup_token("t1", 151).await.unwrap());
    assert!(!store.use_setup_token("t2", 200).await.unwrap());
}

async fn the_first_user_owns_every_site_and_there_is_only_one_first_user(store: Arc<dyn Store>) {
    assert!(!store.has_users().await.unwrap());
    let shop = store.create_site("Shop", &[], 1).await.unwrap();
    let blog = store.create_site("Blog", &[], 1).await.unwrap();
    let ann = store
        .create_first_user("ann@shop.test", "h", 2)
        .await
        .unwrap()
        .expect("the first user");
    assert!(store.has_users().await.unwrap());
    let grants = store.memberships(ann).await.unwrap();
    let owned: Vec<_> = grants
        .iter()
        .map(|g| (g.site.key.clone(), g.role))
        .collect();
    assert_eq!(owned, [(shop.key, Role::Owner), (blog.key, Role::Owner)]);
    assert_eq!(
        store
            .create_first_user("eve@shop.test", "h", 3)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.user_by_email("eve@shop.test").await.unwrap(), None);
}

/// A case on `site` with `category`, `impact` and `description`, received at `at`.
fn case(site: &SiteKey, category: Option<&str>, description: &str, at: i64) -> NewComplaint {
    let mut c = complaint(site, None, at, &Enrichment::default());
    c.complaint.category = category.map(str::to_owned);
    c.complaint.description = description.into();
    c.intake.category = c.complaint.category.clone();
    c
}

fn entry(kind: EntryKind, actor: Actor, detail: &str) -> NewEntry {
    NewEntry::new(kind, actor, detail)
}

async fn a_case_changes_only_from_the_status_it_was_read_in_and_keeps_its_timeline(
    store: Arc<dyn Store>,
) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let c = case(&site.key, Some("Billing"), "Charged twice", 100);
    let id = c.complaint.id;
    store.insert_complaint(&c).await.unwrap();
    let ann = Actor::User {
        id: 7,
        email: "ann@example.com".into(),
    };
    let mut change = CaseChange::new(Status::New, 200);
    change.status = Some(Status::Resolved);
    change.urgency = Some(Urgency::High);
    change.priority = Some((Priority::P1, true));
    change.category = Some(None);
    change.resolved_at = Some(Some(200));
    change.entries = vec![
        NewEntry {
            kind: EntryKind::PublicReply,
            actor: ann.clone(),
            body: Some("Refunded <b>today</b>".into()),
            detail: None,
        },
        entry(EntryKind::StatusChanged, ann.clone(), "new → resolved"),
    ];
    assert!(
        !store.change_case(&other.key, &id, &change).await.unwrap(),
        "another site's"
    );
    assert!(store.change_case(&site.key, &id, &change).await.unwrap());
    // Read in `new`, but it is resolved now: the second change is refused, nothing written.
    let mut late = CaseChange::new(Status::New, 300);
    late.status = Some(Status::Spam);
    late.entries = vec![entry(EntryKind::StatusChanged, Actor::System, "x")];
    assert!(!store.change_case(&site.key, &id, &late).await.unwrap());

    let stored = store.case(&site.key, &id).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Resolved);
    assert_eq!(
        (stored.urgency, stored.priority),
        (Urgency::High, Priority::P1)
    );
    assert!(stored.priority_overridden);
    assert_eq!(stored.category, None);
    assert_eq!((stored.updated_at, stored.resolved_at), (200, Some(200)));
    assert_eq!(store.case(&other.key, &id).await.unwrap(), None);
    assert_eq!(
        store.case_by_number(&site.key, 1).await.unwrap(),
        Some(stored)
    );

    let timeline = store.timeline(&id).await.unwrap();
    let kinds: Vec<(EntryKind, i64)> = timeline.iter().map(|e| (e.kind, e.at)).collect();
    assert_eq!(
        kinds,
        [
            (EntryKind::Received, 100),
            (EntryKind::Prioritized, 100),
            (EntryKind::PublicReply, 200),
            (EntryKind::StatusChanged, 200),
        ]
    );
    assert_eq!(timeline[0].actor, Actor::Customer);
    assert_eq!(timeline[2].actor, ann);
    assert_eq!(timeline[2].body.as_deref(), Some("Refunded <b>today</b>"));
    assert_eq!(timeline[3].detail.as_deref(), Some("new → resolved"));

    assert!(!store.delete_case(&other.key, &id).await.unwrap());
    assert!(store.delete_case(&site.key, &id).await.unwrap());
    assert_eq!(store.case(&site.key, &id).await.unwrap(), None);
    assert!(store.timeline(&id).await.unwrap().is_empty());
}

async fn the_inbox_filters_sorts_and_pages_cases(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let ann = store.create_user("ann@example.com", "x", 0).await.unwrap();
    store
        .set_membership(ann, &site.key, Role::Agent, 0)
        .await
        .unwrap();
    let problem = store
        .create_problem(&site.key, &problem_fields("Checkout down"), 5)
        .await
        .unwrap()
        .unwrap();
    // (category, description, status, priority, assignee, problem)
    let rows = [
        (
            Some("Billing"),
            "Charged twice for 50% OFF_deal",
            Status::New,
            Priority::P3,
            false,
            false,
        ),
        (
            Some("Delivery"),
            "Parcel never came",
            Status::Open,
            Priority::P1,
            true,
            false,
        ),
        (
            Some("Billing"),
            "Refund please",
            Status::Resolved,
            Priority::P2,
            true,
            true,
        ),
        (
            None,
            "The CHECKOUT page is broken",
            Status::InProgress,
            Priority::P1,
            false,
            true,
        ),
        (
            Some("Delivery"),
            "Late parcel",
            Status::Spam,
            Priority::P4,
            false,
            false,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (category, text, status, priority, assigned, linked)) in rows.iter().enumerate() {
        let c = case(&site.key, *category, text, 100 * (i as i64 + 1));
        store.insert_complaint(&c).await.unwrap();
        let mut change = CaseChange::new(Status::New, 1000);
        change.status = Some(*status);
        change.priority = Some((*priority, false));
        change.assignee = Some(assigned.then_some(ann));
        change.problem = Some(linked.then_some(problem));
        assert!(store
            .change_case(&site.key, &c.complaint.id, &change)
            .await
            .unwrap());
        ids.push(c.complaint.id);
    }
    store
        .insert_complaint(&case(&other.key, Some("Billing"), "Refund please", 50))
        .await
        .unwrap();
    let find = |filter: CaseFilter| {
        let store = store.clone();
        let site = site.key.clone();
        async move {
            let rows = store.cases(&site, &filter, 100).await.unwrap();
            rows.into_iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    let pick = |is: &[usize]| is.iter().map(|i| ids[*i]).collect::<Vec<_>>();
    assert_eq!(find(CaseFilter::default()).await, pick(&[4, 3, 2, 1, 0]));
    let active = Status::ALL.into_iter().filter(|s| s.is_active()).collect();
    assert_eq!(
        find(CaseFilter {
            statuses: active,
            ..Default::default()
        })
        .await,
        pick(&[3, 1, 0])
    );
    assert_eq!(
        find(CaseFilter {
            priorities: vec![Priority::P1],
            ..Default::default()
        })
        .await,
        pick(&[3, 1])
    );
    assert_eq!(
        find(CaseFilter {
            category: Some("Billing".into()),
            ..Default::default()
        })
        .await,
        pick(&[2, 0])
    );
    assert_eq!(
        find(CaseFilter {
            assignee: Some(AssigneeFilter::User(ann)),
            ..Default::default()
        })
        .await,
        pick(&[2, 1])
    );
    assert_eq!(
        find(CaseFilter {
            assignee: Some(AssigneeFilter::Nobody),
            ..Default::default()
        })
        .await,
        pick(&[4, 3, 0])
    );
    assert_eq!(
        find(CaseFilter {
            problem: Some(problem),
            ..Default::default()
        })
        .await,
        pick(&[3, 2])
    );
    let text = |t: &str| CaseFilter {
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(find(text("checkout")).await, pick(&[3]), "case-insensitive");
    assert_eq!(find(text("PARCEL")).await, pick(&[4, 1]));
    assert_eq!(find(text("50% off_")).await, pick(&[0]));
    assert_eq!(find(text("5_%")).await, pick(&[]), "% and _ are literal");
    let reference = collector::complaints::reference::reference(3);
    assert_eq!(find(text(&reference)).await, pick(&[2]), "by reference");

    // By priority, newest first within one, two at a time.
    let mut walked = Vec::new();
    let mut filter = CaseFilter {
        sort: Sort::Priority,
        ..Default::default()
    };
    loop {
        let page = store.cases(&site.key, &filter, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        filter.after = Some(Cursor::of(last));
        walked.extend(page.iter().map(|c| c.id));
    }
    assert_eq!(walked, pick(&[3, 1, 2, 0, 4]));
    let mut walked = Vec::new();
    let mut filter = CaseFilter {
        sort: Sort::Oldest,
        ..Default::default()
    };
    loop {
        let page = store.cases(&site.key, &filter, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        filter.after = Some(Cursor::of(last));
        walked.extend(page.iter().map(|c| c.id));
    }
    assert_eq!(walked, pick(&[0, 1, 2, 3, 4]));

    let counts = store.queue_counts(&site.key, Some(ann)).await.unwrap();
    assert_eq!((counts.active, counts.unassigned, counts.mine), (3, 2, 1));
    assert_eq!(counts.by_status["resolved"], 1);
    assert_eq!(counts.by_status["spam"], 1);
    assert_eq!(counts.by_status.len(), 5);
    let none = store.queue_counts(&site.key, None).await.unwrap();
    assert_eq!(none.mine, 0);

    let candidates = store
        .candidates(&site.key, "Delivery", &ids[0], 10)
        .await
        .unwrap();
    let found: Vec<_> = candidates
        .iter()
        .map(|c| (c.id, c.number, c.status))
        .collect();
    assert_eq!(
        found,
        [(ids[1], 2, Status::Open)],
        "active cases of the category only"
    );
}

/// More cases than a search fetches by number (1,000), so that both ways of searching run: by
/// number for a rare word, walking the list for a common one.
async fn text_search_finds_few_and_many_cases_in_order_and_forgets_deleted_ones(
    store: Arc<dyn Store>,
) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..1_010_i64 {
        let text = if i % 400 == 7 {
            format!("Order {i}: the lid is CRACKED")
        } else {
            format!("Order {i} came late")
        };
        let c = case(&site.key, None, &text, 1_000 + i);
        store.insert_complaint(&c).await.unwrap();
        ids.push(c.complaint.id);
    }
    store
        .insert_complaint(&case(&other.key, None, "Cracked lid", 5))
        .await
        .unwrap();
    let pages = |text: &str, sort: Sort, size: u32| {
        let (store, site) = (store.clone(), site.key.clone());
        let mut filter = CaseFilter {
            text: Some(text.into()),
            sort,
            ..Default::default()
        };
        async move {
            let mut found = Vec::new();
            loop {
                let page = store.cases(&site, &filter, size).await.unwrap();
                let Some(last) = page.last() else { break };
                filter.after = Some(Cursor::of(last));
                found.extend(page.iter().map(|c| c.id));
            }
            found
        }
    };
    let newest = |is: &[usize]| is.iter().rev().map(|i| ids[*i]).collect::<Vec<_>>();
    let cracked = [7, 407, 807];
    assert_eq!(
        pages("lid is cracked", Sort::Newest, 2).await,
        newest(&cracked)
    );
    assert_eq!(
        pages("LID", Sort::Newest, 50).await,
        newest(&cracked),
        "in any case"
    );
    let oldest: Vec<_> = cracked.iter().map(|i| ids[*i]).collect();
    assert_eq!(pages("cracked", Sort::Oldest, 1).await, oldest);
    assert_eq!(pages("cracked", Sort::Priority, 2).await, newest(&cracked));
    let every: Vec<usize> = (0..ids.len()).collect();
    assert_eq!(pages("order", Sort::Newest, 50).await, newest(&every));
    assert_eq!(
        pages("order 1000", Sort::Newest, 50).await,
        newest(&[1_000]),
        "a substring, not only whole words"
    );
    assert_eq!(
        pages("7:", Sort::Newest, 50).await,
        newest(&cracked),
        "short text"
    );
    assert!(
        pages("\"lid", Sort::Newest, 50).await.is_empty(),
        "quotes are text"
    );
    let reference = collector::complaints::reference::reference(408);
    assert_eq!(
        pages(&reference, Sort::Newest, 50).await,
        newest(&[407]),
        "by reference"
    );

    assert!(store.delete_case(&site.key, &ids[407]).await.unwrap());
    assert_eq!(pages("cracked", Sort::Newest, 50).await, newest(&[7, 807]));
}

fn problem_fields(title: &str) -> ProblemFields {
    ProblemFields {
        title: title.into(),
        category: Some("Website".into()),
        status: ProblemStatus::Investigating,
        root_cause: None,
        workaround: Some("Pay by invoice".into()),
        fix: None,
    }
}

async fn agents_workflows_and_problems_belong_to_their_site(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let mut users = Vec::new();
    for (email, role) in [
        ("viewer@example.com", Role::Viewer),
        ("agent@example.com", Role::Agent),
        ("admin@example.com", Role::Admin),
    ] {
        let id = store.create_user(email, "x", 0).await.unwrap();
        store.set_membership(id, &site.key, role, 0).await.unwrap();
        users.push(id);
    }
    let c = case(&site.key, None, "Help", 10);
    store.insert_complaint(&c).await.unwrap();
    let mut change = CaseChange::new(Status::New, 20);
    change.assignee = Some(Some(users[1]));
    store
        .change_case(&site.key, &c.complaint.id, &change)
        .await
        .unwrap();
    let agents = store.agents(&site.key).await.unwrap();
    let seen: Vec<(&str, &str, u64)> = agents
        .iter()
        .map(|a| (a.email.as_str(), a.role.as_str(), a.active_cases))
        .collect();
    assert_eq!(
        seen,
        [
            ("agent@example.com", "agent", 1),
            ("admin@example.com", "admin", 0)
        ]
    );
    assert!(store.agents(&other.key).await.unwrap().is_empty());

    assert_eq!(
        store.workflow(&site.key).await.unwrap(),
        Some(Workflow::default())
    );
    let workflow = Workflow {
        auto_assign: true,
        auto_close_days: 3,
        rules: vec![shared::case::KeywordRule {
            category: "Billing".into(),
            keywords: vec!["refund".into()],
            urgency: Some(Urgency::High),
        }],
        ..Workflow::default()
    };
    assert!(store.set_workflow(&site.key, &workflow).await.unwrap());
    assert_eq!(store.workflow(&site.key).await.unwrap(), Some(workflow));
    assert_eq!(
        store.workflow(&other.key).await.unwrap(),
        Some(Workflow::default())
    );
    let unknown = SiteKey::parse("nope").unwrap();
    assert_eq!(store.workflow(&unknown).await.unwrap(), None);

    let p = store
        .create_problem(&site.key, &problem_fields("Checkout down"), 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.problem(&other.key, p).await.unwrap(), None);
    assert!(!store
        .update_problem(&other.key, p, &problem_fields("x"), 6)
        .await
        .unwrap());
    let mut fixed = problem_fields("Checkout down for PayPal");
    fixed.status = ProblemStatus::Fixed;
    fixed.fix = Some("New API key".into());
    assert!(store.update_problem(&site.key, p, &fixed, 9).await.unwrap());
    let mut link = CaseChange::new(Status::New, 30);
    link.problem = Some(Some(p));
    store
        .change_case(&site.key, &c.complaint.id, &link)
        .await
        .unwrap();
    let record = store.problem(&site.key, p).await.unwrap().unwrap();
    assert_eq!(record.title, "Checkout down for PayPal");
    assert_eq!(record.status, ProblemStatus::Fixed);
    assert_eq!((record.created_at, record.updated_at), (5, 9));
    assert_eq!((record.linked, record.linked_active), (1, 1));
    assert_eq!(store.problems(&site.key).await.unwrap(), [record]);
    assert!(store.problems(&other.key).await.unwrap().is_empty());
    let linked = store
        .case(&site.key, &c.complaint.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.problem, Some((p, "Checkout down for PayPal".into())));
    assert_eq!(
        linked.assignee,
        Some(shared::case::UserRef {
            id: users[1],
            email: "agent@example.com".into()
        })
    );
}

async fn a_due_job_is_taken_once_and_again_only_after_its_lease(store: Arc<dyn Store>) {
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let c = case(&site.key, None, "Help", 10);
    store.insert_complaint(&c).await.unwrap();
    assert_eq!(store.next_job_due().await.unwrap(), None);
    let mut change = CaseChange::new(Status::New, 20);
    change.jobs = vec![
        collector::jobs::auto_close(&site.key, &c.complaint.id, 1_000),
        collector::jobs::auto_close(&site.key, &c.complaint.id, 2_000),
    ];
    store
        .change_case(&site.key, &c.complaint.id, &change)
        .await
        .unwrap();
    assert_eq!(store.next_job_due().await.unwrap(), Some(1_000));
    assert_eq!(
        store.claim_job(999, 60_999).await.unwrap(),
        None,
        "not due yet"
    );

    // Eight runners at once: one takes the first job, one the second, the rest nothing.
    let claims = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim_job(5_000, 65_000).await.unwrap() })
    });
    let mut taken: Vec<Job> = Vec::new();
    for claim in claims {
        taken.extend(claim.await.unwrap());
    }
    taken.sort_by_key(|j| j.due_at);
    let dues: Vec<(i64, u32)> = taken.iter().map(|j| (j.due_at, j.attempts)).collect();
    assert_eq!(dues, [(1_000, 1), (2_000, 1)]);
    assert_eq!(taken[0].kind, collector::jobs::AUTO_CLOSE);
    assert_eq!(
        store.next_job_due().await.unwrap(),
        Some(65_000),
        "held until the lease ends"
    );

    store.finish_job(taken[0].id).await.unwrap();
    assert_eq!(store.claim_job(64_999, 100_000).await.unwrap(), None);
    let again = store.claim_job(65_000, 125_000).await.unwrap().unwrap();
    assert_eq!(
        (again.id, again.attempts),
        (taken[1].id, 2),
        "the lease ran out"
    );
    store.finish_job(again.id).await.unwrap();
    assert_eq!(store.next_job_due().await.unwrap(), None);
}

async fn the_outbox_fans_out_once_and_a_gone_endpoint_tells_the_admins_by_mail(
    store: Arc<dyn Store>,
) {
    use collector::store::notify_store::{AfterAttempt, Attempt, NewEmail};
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let boss = store.create_user("boss@shop.test", "x", 1).await.unwrap();
    store
        .set_membership(boss, &site.key, Role::Admin, 1)
        .await
        .unwrap();
    let agent = store.create_user("agent@shop.test", "x", 1).await.unwrap();
    store
        .set_membership(agent, &site.key, Role::Agent, 1)
        .await
        .unwrap();
    assert_eq!(
        store.admin_emails(&site.key).await.unwrap(),
        ["boss@shop.test"]
    );
    let hook = store
        .create_webhook(&site.key, "https://hooks.example/a", None, "whsec_x", 10)
        .await
        .unwrap()
        .unwrap();

    let mut filed = complaint(&site.key, None, 100, &Enrichment::default());
    filed
        .intake
        .events
        .push(collector::store::case_store::NewEvent::new(
            "complaint.created",
            &serde_json::json!({"complaint": {"id": filed.complaint.id}}),
        ));
    store.insert_complaint(&filed).await.unwrap();
    assert_eq!(store.fan_out(200).await.unwrap(), 1);
    assert_eq!(store.fan_out(200).await.unwrap(), 0, "once");
    let taken = store.claim_deliveries(200, 10_200, 10, 4).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].kind, "complaint.created");
    assert!(
        store
            .claim_deliveries(300, 10_300, 10, 4)
            .await
            .unwrap()
            .is_empty(),
        "held while leased"
    );
    let gone = Attempt {
        at: 400,
        status: Some(410),
        latency_ms: 3,
        error: None,
    };
    assert!(store
        .record_attempt(&taken[0], &gone, &AfterAttempt::Failed, 20, 86_400_000)
        .await
        .unwrap());
    let hooks = store.webhooks(&site.key).await.unwrap();
    assert!(!hooks[0].enabled);
    assert_eq!(
        hooks[0].disabled_reason.as_deref(),
        Some("the receiver answered 410 Gone")
    );
    let log = store
        .deliveries(&site.key, hook.id, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log[0].attempts, [gone]);

    // The case's event, then the endpoint's: each made into mail once.
    let events = store.unmailed_events(10).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["complaint.created", "webhook.disabled"]);
    let disabled: serde_json::Value = serde_json::from_str(&events[1].payload).unwrap();
    assert_eq!(disabled["endpoint"]["url"], "https://hooks.example/a");
    store.queue_emails(&events[0], &[], 500).await.unwrap();
    let mail = NewEmail {
        recipient: "boss@shop.test".into(),
        subject: "Webhook switched off".into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
        complaint: None,
    };
    store
        .queue_emails(&events[1], std::slice::from_ref(&mail), 500)
        .await
        .unwrap();
    assert!(store.unmailed_events(10).await.unwrap().is_empty());
    assert_eq!(store.next_email_due().await.unwrap(), Some(500));
    let due = store.claim_emails(600, 10_600, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].recipient.as_str(), due[0].attempts),
        ("boss@shop.test", 0)
    );
    assert!(store
        .claim_emails(700, 10_700, 10)
        .await
        .unwrap()
        .is_empty());
    store
        .record_email(due[0].id, Some("421 try later"), Some(20_000))
        .await
        .unwrap();
    assert_eq!(store.next_email_due().await.unwrap(), Some(20_000));
    let again = store.claim_emails(20_000, 30_000, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    store.record_email(again[0].id, None, None).await.unwrap();
    assert_eq!(store.next_email_due().await.unwrap(), None);
}

async fn notification_preferences_are_a_members_own(store: Arc<dyn Store>) {
    use shared::notify::NotificationPreferences;
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let other = store.create_site("Other", &[], 1).await.unwrap();
    let ann = store.create_user("ann@shop.test", "x", 1).await.unwrap();
    store
        .set_membership(ann, &site.key, Role::Agent, 1)
        .await
        .unwrap();
    assert_eq!(
        store
            .notification_preferences(&site.key, ann)
            .await
            .unwrap(),
        Some(NotificationPreferences::default())
    );
    assert_eq!(
        store
            .notification_preferences(&other.key, ann)
            .await
            .unwrap(),
        None
    );
    let german = NotificationPreferences {
        language: "de".into(),
        email: vec!["sla.breached".into()],
    };
    assert!(store
        .set_notification_preferences(&site.key, ann, &german)
        .await
        .unwrap());
    assert!(
        !store
            .set_notification_preferences(&other.key, ann, &german)
            .await
            .unwrap(),
        "not a member"
    );
    let english = NotificationPreferences {
        language: "en".into(),
        ..german.clone()
    };
    assert!(store
        .set_notification_preferences(&site.key, ann, &english)
        .await
        .unwrap());
    assert_eq!(
        store
            .notification_preferences(&site.key, ann)
            .await
            .unwrap(),
        Some(english.clone())
    );
    assert_eq!(
        store
            .site_notification_preferences(&site.key)
            .await
            .unwrap(),
        [("ann@shop.test".to_owned(), english)]
    );
    assert!(store
        .site_notification_preferences(&other.key)
        .await
        .unwrap()
        .is_empty());
}

async fn no_endpoint_holds_more_than_its_share_of_deliveries(store: Arc<dyn Store>) {
    use collector::store::notify_store::{AfterAttempt, Attempt};
    let site = store.create_site("Shop", &[], 1).await.unwrap();
    let mut hooks = Vec::new();
    for url in ["https://dead.example/a", "https://alive.example/b"] {
        let hook = store
            .create_webhook(&site.key, url, None, "whsec_x", 10)
            .await
            .unwrap();
        hooks.push(hook.unwrap().id);
    }
    for at in 100..110 {
        let mut filed = complaint(&site.key, None, at, &Enrichment::default());
        filed
            .intake
            .events
            .push(collector::store::case_store::NewEvent::new(
                "complaint.created",
                &serde_json::json!({"complaint": {"id": filed.complaint.id}}),
            ));
        store.insert_complaint(&filed).await.unwrap();
    }
    assert_eq!(store.fan_out(200).await.unwrap(), 10);
    let per = |taken: &[collector::store::notify_store::DueDelivery]| {
        hooks
            .iter()
            .map(|h| taken.iter().filter(|d| d.endpoint_id == *h).count())
            .collect::<Vec<_>>()
    };
    let first = store.claim_deliveries(200, 60_000, 100, 3).await.unwrap();
    assert_eq!(per(&first), [3, 3], "the oldest three of each");
    assert!(
        store
            .claim_deliveries(300, 60_000, 100, 3)
            .await
            .unwrap()
            .is_empty(),
        "each endpoint holds its three"
    );
    assert_eq!(
        store.next_delivery_due(300, 3).await.unwrap(),
        Some(60_000),
        "with both at their share, nothing is due before a lease ends, however many wait"
    );
    // One of the second endpoint's is answered: it may take one more; the first still none.
    let b = first.iter().find(|d| d.endpoint_id == hooks[1]).unwrap();
    let ok = Attempt {
        at: 400,
        status: Some(200),
        latency_ms: 2,
        error: None,
    };
    store
        .record_attempt(b, &ok, &AfterAttempt::Delivered, 20, 86_400_000)
        .await
        .unwrap();
    assert_eq!(
        store.next_delivery_due(500, 3).await.unwrap(),
        Some(200),
        "the second endpoint has room, and its waiting ones are due since the fan-out"
    );
    let next = store.claim_deliveries(500, 60_000, 100, 3).await.unwrap();
    assert_eq!(per(&next), [0, 1]);
    // When the leases end, the held ones are due again, still three at a time.
    let later = store
        .claim_deliveries(60_000, 120_000, 100, 3)
        .await
        .unwrap();
    assert_eq!(per(&later), [3, 3]);
    // An endpoint deleted while its deliveries were in flight: their attempts have nowhere to go.
    assert!(store.delete_webhook(&site.key, hooks[0]).await.unwrap());
    let gone = later.iter().find(|d| d.endpoint_id == hooks[0]).unwrap();
    assert!(!store
        .record_attempt(gone, &ok, &AfterAttempt::Delivered, 20, 86_400_000)
        .await
        .unwrap());

    // Without an SMTP server, events are marked mailed up to one, in one statement.
    let unmailed = store.unmailed_events(100).await.unwrap();
    assert_eq!(unmailed.len(), 10);
    store.skip_mail_through(unmailed[3].id, 700).await.unwrap();
    let left = store.unmailed_events(100).await.unwrap();
    assert_eq!(
        left.iter().map(|e| e.id).collect::<Vec<_>>(),
        unmailed[4..].iter().map(|e| e.id).collect::<Vec<_>>()
    );
}
