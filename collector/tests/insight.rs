//! Measure at the HTTP boundary, on SQLite and PostgreSQL: answers sent as the widget sends them
//! over six weeks (the injected clock moving a day at a time) keep the rollups current; erasing
//! a respondent, a visitor, a retention purge, a resolution rating and deleting a case all keep
//! them equal to what `rebuild_rollups` folds from the stored answers; the overview's scores,
//! changes, segments and drivers are the ones computed by hand from the answers that were sent;
//! and the complaint report (and its CSV) counts the case, its rating and the backlog.

#[path = "support/app.rs"]
mod app;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{error_of, uuid, why_survey, Harness, Served, SHOP};
use collector::access::Role;
use collector::clock::Clock as _;
use collector::store::insight_store::RollupRow;
use collector::store::{Respondent, Site, DAY_MS};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, ORIGIN, USER_AGENT};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// One NPS answer as sent, and what became of it.
#[derive(Debug, Clone)]
struct Sent {
    day: i64,
    score: u8,
    mobile: bool,
    user: Option<String>,
}

async fn postgres_harness() -> Harness {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    Harness::on(store, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_follow_every_write_and_the_overview_reads_them_on_sqlite() {
    rollups_follow_every_write_and_the_overview_reads_them(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_follow_every_write_and_the_overview_reads_them_on_postgres() {
    rollups_follow_every_write_and_the_overview_reads_them(postgres_harness().await).await;
}

/// A fixed-seed generator (SplitMix64), so that a failure repeats.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn send(served: &Served, site: &Site, score: u8, mobile: bool, user: Option<&str>) {
    let mut body = json!({
        "id": uuid(), "site_key": site.key, "survey_id": "nps",
        "answers": [{"type": "nps", "question_id": "q1", "score": score}],
        "page_url": if mobile { "http://shop.test/products/42" } else { "http://shop.test/checkout" },
    });
    if let Some(u) = user {
        body["user_id"] = json!(u);
    }
    let response = served
        .client
        .post(format!("{}/api/v1/responses", served.base))
        .header(ORIGIN, SHOP)
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(USER_AGENT, if mobile { PHONE } else { DESKTOP })
        .header(ACCEPT_LANGUAGE, if mobile { "de-DE" } else { "en-GB" })
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
}

/// NPS of the answers, as the overview must say it.
fn nps(sent: &[&Sent]) -> f64 {
    let promoters = sent.iter().filter(|s| s.score >= 9).count() as f64;
    let detractors = sent.iter().filter(|s| s.score <= 6).count() as f64;
    100.0 * (promoters - detractors) / sent.len() as f64
}

async fn get(served: &Served, token: &str, path: &str) -> reqwest::Response {
    served
        .client
        .get(format!("{}{path}", served.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Rebuilds the site's rollups and checks that they did not change: what ingest and the deletes
/// kept is the fold of the stored answers. Returns how many rows there are.
async fn the_rollups_are_the_fold_of_the_answers(served: &Served, site: &Site) -> usize {
    let incremental = served.store.rollup_rows(&site.key).await.unwrap();
    let stored = served
        .store
        .responses(&site.key, 10_000)
        .await
        .unwrap()
        .len() as u64;
    // The listing leaves out resolution ratings; the fold counts them.
    let folded = served.store.rebuild_rollups(Some(&site.key)).await.unwrap();
    assert!(folded >= stored, "{folded} folded of {stored} listed");
    let rebuilt = served.store.rollup_rows(&site.key).await.unwrap();
    let differ: Vec<_> = incremental
        .iter()
        .zip(&rebuilt)
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert!(differ.is_empty(), "kept vs rebuilt: {differ:?}");
    assert_eq!(incremental.len(), rebuilt.len());
    assert!(rebuilt.iter().all(|r| r.n > 0));
    rebuilt.len()
}

async fn rollups_follow_every_write_and_the_overview_reads_them(harness: Harness) {
    // Six weeks of answers, ending on the day the overview is read.
    let start = app::START_MS - 41 * DAY_MS;
    let harness = harness.clock_at(start);
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let served = harness.serve().await;
    let first_day = start.div_euclid(DAY_MS);
    let mut random = Seeded(7);
    let mut sent = Vec::new();
    for day in 0..42 {
        // The last two weeks are worse on phones: a change the overview must call.
        let late = day >= 28;
        for i in 0..(6 + random.below(4)) {
            let mobile = random.below(2) == 0;
            let score = if late && mobile {
                random.below(7) as u8
            } else {
                (5 + random.below(6)) as u8
            };
            let user = (i == 0).then(|| format!("user-{day}"));
            send(&served, &site, score, mobile, user.as_deref()).await;
            sent.push(Sent {
                day: first_day + day,
                score,
                mobile,
                user,
            });
        }
        served.clock.advance(DAY_MS);
    }
    served.clock.advance(-DAY_MS);
    let today = first_day + 41;

    // Deletes of every kind take their answers out of the rollups: a user's answers (one of
    // yesterday's), a visitor's (today's), and the days past a retention window.
    let erased = served
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/erasure",
            served.base, site.key
        ))
        .bearer_auth(&admin)
        .json(&json!({"user_id": "user-40"}))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    sent.retain(|s| s.user.as_deref() != Some("user-40"));
    let listed = served.store.responses(&site.key, 1).await.unwrap();
    let visitor = listed[0].enrichment.visitor.clone().unwrap();
    served
        .store
        .erase_respondent(&site.key, &Respondent::Visitor(visitor))
        .await
        .unwrap();
    served
        .store
        .set_retention_days(&site.key, Some(40))
        .await
        .unwrap();
    let purged = served
        .store
        .purge_expired(served.clock.now_ms())
        .await
        .unwrap();
    assert!(purged > 0, "the oldest days were purged");

    // A customer's rating of their resolved case is an answer too, and goes with the case.
    let filed: Value = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "The parcel never came", "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = filed["id"].as_str().unwrap();
    let token = filed["status_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let case_url = format!(
        "{}/api/v1/admin/sites/{}/complaints/{case}",
        served.base, site.key
    );
    let resolved = served
        .client
        .post(format!("{case_url}/status"))
        .bearer_auth(&admin)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert!(
        resolved.status().is_success(),
        "{:?}",
        resolved.text().await
    );
    let rated = served
        .client
        .post(format!("{}/api/v1/c/{token}/rating", served.base))
        .json(&json!({"answers": [
            {"type": "csat", "question_id": "satisfaction", "score": 2},
            {"type": "ces", "question_id": "effort", "score": 3},
        ]}))
        .send()
        .await
        .unwrap();
    assert!(rated.status().is_success(), "{:?}", rated.text().await);

    // The complaint report counts the case, its unhappy rating (which reopened it) and the
    // backlog it is in again; the CSV has the same rows.
    let day = collector::insight::overview::date(today);
    let report: Value = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/complaints?from={day}&to={day}",
            site.key
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    let all = &report["groups"][0];
    assert_eq!(
        (all["by"].as_str(), all["received"].as_u64()),
        (Some("all"), Some(1)),
        "{report}"
    );
    assert_eq!(
        all["resolved"], 0,
        "the unhappy rating reopened it: {report}"
    );
    assert_eq!(all["reopened"]["value"], 1.0);
    assert_eq!(
        (all["csat"]["value"].as_f64(), all["ces"]["value"].as_f64()),
        (Some(2.0), Some(3.0))
    );
    assert_eq!(report["backlog"][0]["n"], 1, "{report}");
    assert!(report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["by"] == "agent" && g["key"] == "unassigned"));
    let csv = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/complaints/export?from={day}&to={day}",
            site.key
        ),
    )
    .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("from,to,by,key,received,resolved,first_response_n"),
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + report["groups"].as_array().unwrap().len());
    assert!(lines[1].contains(",all,all,1,0,"), "{csv}");

    // What the writes kept equals what a rebuild folds from the answers that are left.
    let remaining = served.store.responses(&site.key, 10_000).await.unwrap();
    let rows = the_rollups_are_the_fold_of_the_answers(&served, &site).await;
    assert!(rows > 300, "{rows} rows");
    let rating_rows = |rows: &[RollupRow]| rows.iter().filter(|r| r.survey != "nps").count();
    let kept = served.store.rollup_rows(&site.key).await.unwrap();
    assert!(rating_rows(&kept) > 0, "the rating is counted");
    let deleted = served
        .client
        .delete(&case_url)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{:?}", deleted.text().await);
    the_rollups_are_the_fold_of_the_answers(&served, &site).await;
    let kept = served.store.rollup_rows(&site.key).await.unwrap();
    assert_eq!(rating_rows(&kept), 0, "the rating went with its case");
    assert!(remaining.len() > 200);

    // The last 14 days against the 14 before, on phones.
    let to = collector::insight::overview::date(today - 1);
    let from = collector::insight::overview::date(today - 14);
    let response = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/overview?from={from}&to={to}&segment=device:mobile",
            site.key
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let overview: Value = response.json().await.unwrap();
    let card = &overview["scores"][0];
    assert_eq!(card["kind"], "nps");
    assert_eq!(card["question"], "q1");
    let period: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.mobile && (today - 14..today).contains(&s.day))
        .collect();
    let before: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.mobile && (today - 28..today - 14).contains(&s.day))
        .collect();
    assert_eq!(card["score"]["n"], period.len());
    assert_eq!(overview["responses"], period.len());
    let value = card["score"]["value"].as_f64().unwrap();
    assert!(
        (value - nps(&period)).abs() < 1e-9,
        "{value} vs {}",
        nps(&period)
    );
    let interval = &card["score"]["interval"];
    assert!(
        interval["low"].as_f64().unwrap() < value && value < interval["high"].as_f64().unwrap()
    );
    assert_eq!(card["previous"]["n"], before.len());
    assert!((card["previous"]["value"].as_f64().unwrap() - nps(&before)).abs() < 1e-9);
    // Phones fell from about +45 to about −90: far more than chance.
    assert!(card["change"]["delta"].as_f64().unwrap() < -50.0, "{card}");
    assert_eq!(card["change"]["significant"], true, "{card}");
    assert_eq!(overview["interval"], "day");
    assert_eq!(card["trend"].as_array().unwrap().len(), 14);
    let histogram: u64 = card["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(histogram, period.len() as u64);

    // Desktops did not move: no arrow.
    let response = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/overview?from={from}&to={to}&segment=page:/checkout",
            site.key
        ),
    )
    .await;
    let overview: Value = response.json().await.unwrap();
    let card = &overview["scores"][0];
    let desktops: Vec<&Sent> = sent
        .iter()
        .filter(|s| !s.mobile && (today - 14..today).contains(&s.day))
        .collect();
    assert_eq!(card["score"]["n"], desktops.len());
    assert_eq!(card["change"]["significant"], false, "{card}");

    // What drives the score: phones (and, since they go together here, Safari, German and
    // the product pages) cost the same points, significantly; desktops cost nothing.
    let response = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/drivers?from={from}&to={to}",
            site.key
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let drivers: Value = response.json().await.unwrap();
    assert_eq!(
        (drivers["survey"].as_str(), drivers["question"].as_str()),
        (Some("nps"), Some("q1"))
    );
    let top: Vec<String> = drivers["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|d| {
            format!(
                "{}:{}",
                d["dimension"].as_str().unwrap(),
                d["value"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            "browser:Safari",
            "device:mobile",
            "locale:de-DE",
            "page:/products"
        ]
    );
    let first = &drivers["drivers"][0];
    let everyone: Vec<&Sent> = sent
        .iter()
        .filter(|s| (today - 14..today).contains(&s.day))
        .collect();
    let others: Vec<&Sent> = everyone.iter().copied().filter(|s| !s.mobile).collect();
    assert_eq!(first["n"], period.len());
    assert!((first["with"]["value"].as_f64().unwrap() - nps(&period)).abs() < 1e-9);
    assert!((first["without"]["value"].as_f64().unwrap() - nps(&others)).abs() < 1e-9);
    assert_eq!(first["impact"]["significant"], true);
    let share = period.len() as f64 / everyone.len() as f64;
    let gain = share * (nps(&others) - nps(&period));
    assert!(
        (first["gain"].as_f64().unwrap() - gain).abs() < 1e-9,
        "{first}"
    );
    assert_eq!(drivers["drivers"][3]["gain"], first["gain"]);
    let last = drivers["drivers"].as_array().unwrap().last().unwrap();
    assert!(
        last["gain"].as_f64().unwrap() < 0.0,
        "desktops pull the score up: {last}"
    );

    // The segments there are, most answered first.
    let response = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/segments?from={from}&to={to}",
            site.key
        ),
    )
    .await;
    let segments: Value = response.json().await.unwrap();
    let devices = segments
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dimension"] == "device")
        .unwrap();
    let names: Vec<&str> = devices["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{devices}");
    assert!(names.contains(&"mobile") && names.contains(&"desktop"));
    let pages = segments
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dimension"] == "page")
        .unwrap();
    assert!(pages.to_string().contains("\"/products\""), "{pages}");
    assert!(pages.to_string().contains("\"/checkout\""), "{pages}");

    // Bad queries are refused, with the reason.
    for (query, says) in [
        ("from=2026-13-01", "from is a date"),
        ("from=2026-12-04&to=2026-12-01", "from is after to"),
        ("from=2000-01-01&to=2026-12-01", "at most"),
        ("segment=colour:red", "segment is dimension:value"),
        ("segment=device", "segment is dimension:value"),
        ("days=0", "days is 1 to 3660"),
    ] {
        let response = get(
            &served,
            &viewer,
            &format!("/api/v1/admin/sites/{}/insight/overview?{query}", site.key),
        )
        .await;
        let (status, code, message) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{query}"
        );
        assert!(message.contains(says), "{query}: {message}");
    }
    // Another site's token reads nothing here.
    let other = served.store.create_site("Other", &[], 0).await.unwrap();
    let (outsider, _) = app::create_token(&served.store, &other, Role::Owner).await;
    let response = get(
        &served,
        &outsider,
        &format!("/api/v1/admin/sites/{}/insight/overview", site.key),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// Hark's English labels against people's, on a labelled set with a usable licence
/// (`data/README.md`): at least as often right as the reference VADER, vaderSentiment 3.3.2,
/// which agrees on 2,222 of the 3,708 Amazon review snippets.
#[test]
fn sentiment_agrees_with_people_at_least_as_often_as_vader() {
    let data = include_str!("data/amazonReviewSnippets_GroundTruth.txt");
    let (mut agree, mut n) = (0, 0);
    for line in data.lines() {
        let mut fields = line.trim_end_matches('\r').splitn(3, '\t');
        let (Some(_), Some(mean), Some(text)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let mean: f64 = mean.parse().unwrap();
        let people = if mean > 0.5 {
            "positive"
        } else if mean < -0.5 {
            "negative"
        } else {
            "neutral"
        };
        let ours = collector::insight::sentiment::sentiment(text, Some("en")).unwrap();
        n += 1;
        if serde_json::to_value(ours.sentiment_label).unwrap() == people {
            agree += 1;
        }
    }
    assert_eq!(n, 3708);
    println!("Hark agrees with people on {agree} of {n}; VADER 3.3.2 on 2222");
    assert!(agree >= 2222, "{agree} of {n}");
}

/// Files a complaint in `category` from the shop, as the widget does.
async fn complain(served: &Served, site: &Site, category: &str) {
    let response = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem", "category": category,
            "description": "It went wrong again", "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_that_triples_in_a_week_is_an_emerging_issue_and_a_steady_one_is_not() {
    // Eight weeks of 5 billing and 3 delivery complaints a week, then a week of 15 billing
    // (three times as many) and 3 delivery, read three days into that week.
    let start = app::START_MS - 60 * DAY_MS;
    let harness = Harness::new().await.clock_at(start);
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let served = harness.serve().await;
    for week in 0..9 {
        let billing = if week == 8 { 15 } else { 5 };
        for (category, n) in [("Billing", billing), ("Delivery", 3)] {
            for _ in 0..n {
                complain(&served, &site, category).await;
            }
        }
        if week < 8 {
            served.clock.advance(7 * DAY_MS);
        }
    }
    served.clock.advance(3 * DAY_MS);
    let response = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/emerging", site.key),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let emerging: Value = response.json().await.unwrap();
    let categories = emerging["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 1, "{emerging}");
    assert_eq!(categories[0]["key"], "Billing");
    assert_eq!(categories[0]["current"], 15);
    assert_eq!(categories[0]["baseline_rate"], 5.0);
    assert!(categories[0]["p_value"].as_f64().unwrap() < 0.01 / 2.0);
    assert_eq!(emerging["baseline_weeks"], 8);
    // Weeks out of range are refused.
    let response = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/emerging?weeks=1", site.key),
    )
    .await;
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_praise_feed_has_promoters_words_and_happy_words_newest_first() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    why_survey(&harness, &site).await;
    let served = harness.serve().await;
    for (score, text) in [
        (10, "Lovely beans, fast delivery"),
        (2, "The parcel was broken and I am angry"),
        (10, "The parcel was broken and I am angry"),
        (4, "Great support though"),
    ] {
        let response = served
            .client
            .post(format!("{}/api/v1/responses", served.base))
            .header(ORIGIN, SHOP)
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .header(ACCEPT_LANGUAGE, "en-GB")
            .body(
                json!({
                    "id": uuid(), "site_key": site.key, "survey_id": "why",
                    "answers": [
                        {"type": "nps", "question_id": "q1", "score": score},
                        {"type": "text", "question_id": "q2", "text": text},
                    ],
                })
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{:?}",
            response.text().await
        );
        served.clock.advance(1000);
    }
    let response = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/praise?days=7", site.key),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let feed: Value = response.json().await.unwrap();
    let texts: Vec<&str> = feed["praise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Great support though", "Lovely beans, fast delivery"],
        "{feed}"
    );
    assert_eq!(feed["praise"][1]["nps"], 10);
    assert!(feed["praise"][0]["sentiment"].as_f64().unwrap() > 0.05);
    assert_eq!(feed["shout_outs"], json!([]));
}

/// `hark insight rebuild` on the database of a running collector: the rollups it writes are the
/// ones ingest kept; an unknown site is refused with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hark_insight_rebuild_recomputes_a_sites_rollups() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let served = harness.serve().await;
    for score in [3, 9, 10] {
        send(&served, &site, score, score > 5, None).await;
    }
    let kept = served.store.rollup_rows(&site.key).await.unwrap();
    let hark = |args: &[&str]| served.hark(args);
    let out = hark(&["insight", "rebuild", "--site", site.key.as_str(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said, json!({"answers": 3}));
    assert_eq!(served.store.rollup_rows(&site.key).await.unwrap(), kept);
    let out = hark(&["insight", "rebuild"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "rebuilt the rollups from 3 answers"
    );
    let out = hark(&["insight", "rebuild", "--site", "nosuchsitexxxxxx"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no site has the key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_filters_pages_and_exports_and_topics_match_it_on_sqlite() {
    the_explorer_filters_pages_and_exports_and_topics_match_it(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_filters_pages_and_exports_and_topics_match_it_on_postgres() {
    the_explorer_filters_pages_and_exports_and_topics_match_it(postgres_harness().await).await;
}

/// The ids of a listing.
fn ids(list: &Value) -> Vec<String> {
    list["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_explorer_filters_pages_and_exports_and_topics_match_it(harness: Harness) {
    let start = app::START_MS - 20 * DAY_MS;
    let harness = harness.clock_at(start);
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    why_survey(&harness, &site).await;
    let served = harness.serve().await;
    // (day, score, phone, text): deliveries on phones, checkout on desktops, one answer with
    // quotes and one in German.
    let answers: [(i64, u8, bool, Option<&str>); 12] = [
        (0, 9, false, Some("Great prices")),
        (2, 3, true, Some("The delivery was slow")),
        (4, 2, true, Some("Slow delivery again")),
        (6, 8, false, Some("Checkout kept failing with my card")),
        (8, 1, true, Some("Deliveries are always late")),
        (10, 6, false, Some("The checkout page crashed")),
        (12, 10, false, None),
        (14, 4, true, Some("Late delivery and a broken box")),
        (16, 5, false, Some("checkout is confusing")),
        (17, 7, false, Some("They said \"free\" shipping")),
        (18, 6, true, Some("Die Größe passt nicht")),
        (19, 9, false, Some("Fast DELIVERY, thanks")),
    ];
    let first_day = start.div_euclid(DAY_MS);
    let mut day = 0;
    for (d, score, phone, text) in answers {
        served.clock.advance((d - day) * DAY_MS);
        day = d;
        let mut list = vec![json!({"type": "nps", "question_id": "q1", "score": score})];
        if let Some(t) = text {
            list.push(json!({"type": "text", "question_id": "q2", "text": t}));
        }
        let response = served
            .client
            .post(format!("{}/api/v1/responses", served.base))
            .header(ORIGIN, SHOP)
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .header(USER_AGENT, if phone { PHONE } else { DESKTOP })
            .header(ACCEPT_LANGUAGE, if d == 18 { "de-DE" } else { "en-GB" })
            .body(
                json!({"id": uuid(), "site_key": site.key, "survey_id": "why", "answers": list})
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let base = format!("/api/v1/admin/sites/{}", site.key);
    let list = |query: String| {
        let served = &served;
        let viewer = &viewer;
        let base = &base;
        async move {
            let response = get(served, viewer, &format!("{base}/responses?{query}")).await;
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let texts = |list: &Value| -> Vec<String> {
        list["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find_map(|a| a["text"].as_str())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };

    // Everything, newest first; without a period, as before.
    let (status, all) = list(String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&all).len(), 12);
    assert_eq!(all["next"], Value::Null);
    // Words in any case, newest first; with the written answer's sentiment and key phrases.
    let (_, found) = list("q=DELIVERY".into()).await;
    assert_eq!(
        texts(&found),
        [
            "Fast DELIVERY, thanks",
            "Late delivery and a broken box",
            "Slow delivery again",
            "The delivery was slow",
        ]
    );
    let text_answer = &found["responses"][0]["answers"][1];
    assert!(
        text_answer["sentiment"].as_f64().unwrap() > 0.0,
        "{text_answer}"
    );
    let phrases = text_answer["key_phrases"].as_array().unwrap();
    assert!(
        phrases
            .iter()
            .any(|p| p.as_str().unwrap().contains("delivery")),
        "{text_answer}"
    );
    // Quotes and non-ASCII are matched exactly, not by the database's lower-casing.
    assert_eq!(
        texts(&list("q=%22free%22".into()).await.1),
        ["They said \"free\" shipping"]
    );
    assert_eq!(
        texts(&list("q=GR%C3%96%C3%9FE".into()).await.1),
        ["Die Größe passt nicht"]
    );
    assert_eq!(
        ids(&list("q=%25".into()).await.1).len(),
        0,
        "% is a literal"
    );
    // A period, a segment, a survey, written answers only.
    let (_, recent) = list("days=5".into()).await;
    assert_eq!(ids(&recent).len(), 4, "days 16 to 19");
    let from = collector::insight::overview::date(first_day + 2);
    let to = collector::insight::overview::date(first_day + 8);
    let (_, window) = list(format!("from={from}&to={to}")).await;
    assert_eq!(ids(&window).len(), 4);
    let (_, phones) = list("segment=device:mobile".into()).await;
    assert_eq!(ids(&phones).len(), 5);
    let (_, written) = list("written=true&survey=why".into()).await;
    assert_eq!(ids(&written).len(), 11);
    let (_, desktop_checkout) = list("segment=device:desktop&q=checkout".into()).await;
    assert_eq!(ids(&desktop_checkout).len(), 3);
    // A topic's word in any form: "Deliveries" is a delivery.
    let (_, topic) = list("topic=delivery".into()).await;
    assert_eq!(ids(&topic).len(), 5);

    // Pages: `next` until null, each response once, in the same order.
    let mut paged = Vec::new();
    let mut query = "limit=5".to_owned();
    loop {
        let (status, page) = list(query.clone()).await;
        assert_eq!(status, StatusCode::OK);
        paged.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => query = format!("limit=5&before={next}"),
            None => break,
        }
    }
    assert_eq!(paged, ids(&all));

    // Bad filters are refused with the reason.
    for bad in [
        format!("q={}", "x".repeat(201)),
        "before=yesterday".to_owned(),
        "segment=mood:happy".to_owned(),
        "days=0".to_owned(),
        "from=2026-13-01".to_owned(),
    ] {
        let (status, body) = list(bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(
            !body["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{body}"
        );
    }

    // The view as a download: the same responses, one CSV row per answer.
    let response = get(
        &served,
        &viewer,
        &format!("{base}/responses/export?q=delivery"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("responses.csv"));
    let csv = response.text().await.unwrap();
    let mut exported: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    exported.dedup();
    assert_eq!(
        exported,
        ids(&found).iter().map(String::as_str).collect::<Vec<_>>()
    );
    let ndjson = get(
        &served,
        &viewer,
        &format!("{base}/responses/export?format=ndjson&topic=checkout"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(ndjson.lines().count(), 3);
    let bad = get(
        &served,
        &viewer,
        &format!("{base}/responses/export?format=xml"),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Topics: delivery first, with its phrases and the explorer's count; checkout second.
    let response = get(&served, &viewer, &format!("{base}/insight/topics?days=30")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let topics: Value = response.json().await.unwrap();
    assert_eq!(topics["texts"], 11);
    assert_eq!(topics["complete"], true);
    let terms: Vec<&str> = topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms[..2], ["delivery", "checkout"], "{topics}");
    assert_eq!(topics["topics"][0]["n"], 5);
    assert_eq!(topics["topics"][1]["n"], 3);
    assert!(topics["topics"][0]["sentiment"].is_number());
    assert_eq!(
        topics["topics"][0]["examples"][0]["text"],
        "Fast DELIVERY, thanks"
    );
    let on_desktops = get(
        &served,
        &viewer,
        &format!("{base}/insight/topics?days=30&segment=device:desktop"),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(
        on_desktops["topics"][0]["term"], "checkout",
        "{on_desktops}"
    );
    let bad = get(&served, &viewer, &format!("{base}/insight/topics?days=0")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goal_shows_its_progress_and_goes_at_risk_once_when_it_slips_on_sqlite() {
    a_goal_shows_its_progress_and_goes_at_risk_once_when_it_slips(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goal_shows_its_progress_and_goes_at_risk_once_when_it_slips_on_postgres() {
    a_goal_shows_its_progress_and_goes_at_risk_once_when_it_slips(postgres_harness().await).await;
}

/// The payloads of the outbox's events of one type, oldest first.
async fn outbox_payloads(database_url: &str, kind: &str) -> Vec<Value> {
    use sqlx::Connection as _;
    let sql = "SELECT payload FROM outbox_events WHERE type = $1 ORDER BY id";
    let rows: Vec<String> = if database_url.starts_with("postgres") {
        let mut db = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query_scalar(sql)
            .bind(kind)
            .fetch_all(&mut db)
            .await
            .unwrap()
    } else {
        let mut db = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query_scalar(sql)
            .bind(kind)
            .fetch_all(&mut db)
            .await
            .unwrap()
    };
    rows.iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

async fn a_goal_shows_its_progress_and_goes_at_risk_once_when_it_slips(harness: Harness) {
    let start = app::START_MS - 35 * DAY_MS;
    let harness = harness.clock_at(start);
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let served = harness.serve().await;
    let first_day = start.div_euclid(DAY_MS);
    let base = format!("{}/api/v1/admin/sites/{}/goals", served.base, site.key);
    let date = collector::insight::overview::date;
    let post = |token: &str, body: Value| {
        served
            .client
            .post(&base)
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let goal = json!({
        "name": "NPS 30 by spring", "metric": "nps", "target": 30,
        "start": date(first_day), "deadline": date(first_day + 90),
    });
    // Viewers read goals; admins set them; bad fields are named.
    assert_eq!(
        post(&viewer, goal.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    for (field, bad) in [
        ("metric", json!({"metric": "happiness"})),
        ("target", json!({"target": 130})),
        ("deadline", json!({"deadline": date(first_day - 1)})),
        ("segment", json!({"segment": "mood:happy"})),
        (
            "category",
            json!({"metric": "complaint_volume", "target": 3}),
        ),
    ] {
        let mut body = goal.clone();
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = post(&admin, body).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let (_, _, message) = error_of(response).await;
        assert!(message.starts_with(field), "{field}: {message}");
    }
    let mut unknown = goal.clone();
    unknown["owner"] = json!("me");
    assert_eq!(
        post(&admin, unknown).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let response = post(&admin, goal.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["status"], "too_little_data");
    assert_eq!(created["baseline"], Value::Null);
    let id = created["id"].as_i64().unwrap();

    // Five weeks of NPS falling 25 points a week, from 50: 8 answers a day, week w with 6 − w
    // promoters and the rest detractors. The daily check runs each morning.
    for day in 0..35 {
        let promoters = 6 - day / 7;
        for i in 0..8 {
            let score = if i < promoters { 10 } else { 3 };
            send(&served, &site, score as u8, i % 2 == 0, None).await;
        }
        served.clock.advance(DAY_MS);
    }
    let mut events = Vec::new();
    for _ in 0..200 {
        events = outbox_payloads(&served.database_url, "goal.at_risk").await;
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["goal"]["id"], id);
    assert_eq!(events[0]["goal"]["status"], "off_track");
    assert_eq!(events[0]["site_key"], site.key.as_str());

    let goals: Value = served
        .client
        .get(&base)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let g = &goals[0];
    assert_eq!(g["status"], "off_track", "{g}");
    let weeks: Vec<f64> = g["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["value"].as_f64())
        .collect();
    assert_eq!(weeks[..5], [50.0, 25.0, 0.0, -25.0, -50.0], "{g}");
    assert!(g["forecast"]["chance"].as_f64().unwrap() < 0.05, "{g}");
    assert!(g["forecast"]["value"].as_f64().unwrap() < 30.0);
    // The latest 28 days, days 8 to 35: six days of week 1 (+25), weeks 2 to 4 (0, −25, −50).
    let current = (6.0 * 25.0 - 7.0 * 25.0 - 7.0 * 50.0) / 27.0;
    assert!(
        (g["current"].as_f64().unwrap() - current).abs() < 1e-9,
        "{g}"
    );
    // The event went out once, though the check ran every morning since.
    served.clock.advance(3 * DAY_MS);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        outbox_payloads(&served.database_url, "goal.at_risk")
            .await
            .len(),
        1
    );

    // Deleted: gone from the list; a second delete is a 404.
    let delete = || {
        served
            .client
            .delete(format!("{base}/{id}"))
            .bearer_auth(&admin)
            .send()
    };
    assert_eq!(delete().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(delete().await.unwrap().status(), StatusCode::NOT_FOUND);
    let left: Value = served
        .client
        .get(&base)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(left, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funnel_counts_the_widgets_events_once_each_on_sqlite() {
    the_funnel_counts_the_widgets_events_once_each(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funnel_counts_the_widgets_events_once_each_on_postgres() {
    the_funnel_counts_the_widgets_events_once_each(postgres_harness().await).await;
}

async fn the_funnel_counts_the_widgets_events_once_each(harness: Harness) {
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let served = harness.serve().await;
    let post = |body: Value, origin: &'static str| {
        served
            .client
            .post(format!("{}/api/v1/funnel", served.base))
            .header(ORIGIN, origin)
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(body.to_string())
            .send()
    };
    let event = |event: &str, seen: &[&str]| json!({"id": uuid(), "site_key": site.key, "survey": "nps", "event": event, "seen": seen});
    // Three cards shown; one completed, one dismissed on the first question; one left.
    for _ in 0..3 {
        let response = post(event("shown", &[]), SHOP).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["access-control-allow-origin"], SHOP);
    }
    // What the loader adds to everything it sends is accepted.
    let mut completed = event("completed", &["q1"]);
    completed["user_id"] = json!("u-1");
    completed["dwell_ms"] = json!(5000);
    assert_eq!(
        post(completed.clone(), SHOP).await.unwrap().status(),
        StatusCode::CREATED
    );
    // A retry of the same event counts once.
    assert_eq!(
        post(completed, SHOP).await.unwrap().status(),
        StatusCode::OK
    );
    let dismissed = event("dismissed", &["q1"]);
    assert_eq!(
        post(dismissed, SHOP).await.unwrap().status(),
        StatusCode::CREATED
    );
    // Refused, with the reason, and nothing counted.
    for (bad, status) in [
        (event("clicked", &[]), StatusCode::UNPROCESSABLE_ENTITY),
        (event("dismissed", &[]), StatusCode::UNPROCESSABLE_ENTITY),
        (
            event("dismissed", &["not an id!"]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"id": "nope", "site_key": site.key, "survey": "nps", "event": "shown"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"id": uuid(), "site_key": site.key, "survey": "nps", "event": "shown", "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"id": uuid(), "site_key": "nosuchsite00000", "survey": "nps", "event": "shown"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let response = post(bad.clone(), SHOP).await.unwrap();
        assert_eq!(response.status(), status, "{bad}");
    }
    let elsewhere = post(event("shown", &[]), "https://elsewhere.test")
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);

    let funnels: Value = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/funnel?days=7", site.key),
    )
    .await
    .json()
    .await
    .unwrap();
    let nps = funnels["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["survey"] == "nps")
        .unwrap();
    assert_eq!(
        [
            &nps["shown"],
            &nps["started"],
            &nps["completed"],
            &nps["dismissed"]
        ],
        [&json!(3), &json!(1), &json!(1), &json!(1)],
        "{funnels}"
    );
    assert_eq!(nps["questions"][0]["views"], 2);
    assert_eq!(nps["questions"][0]["drop_offs"], 1);
    assert_eq!(nps["questions"][0]["drop_off_rate"], 0.5);
    // Dismissals are no answers: the score has none.
    let overview: Value = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/overview?days=7", site.key),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(overview["responses"], 0);
    assert_eq!(overview["scores"][0]["score"]["n"], 0);
}

/// `hark import answers`: a dry run names each bad row by its line and stores nothing; a good
/// file is stored with its own times (the overview finds it in its days, the rollups agree), a
/// second import of it stores nothing new; a generated sample imports whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hark_import_answers_checks_each_row_and_is_idempotent() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    why_survey(&harness, &site).await;
    let served = harness.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let hark = |args: &[&str]| served.hark(args);
    let day = |d: i64| {
        jiff::Timestamp::from_millisecond(app::START_MS - d * DAY_MS)
            .unwrap()
            .to_string()
    };
    let bad = format!(
        "external_id,received_at,survey_id,nps,comment,device\n\
         a1,{},why,9,Lovely,mobile\n\
         a2,yesterday,why,9,,\n\
         a3,{},why,11,,\n\
         a4,{},nope,5,,\n\
         a1,{},why,3,,\n\
         a6,{},why,,,\n",
        day(3),
        day(3),
        day(3),
        day(2),
        day(1)
    );
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad).unwrap();
    let out = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<i64> = report["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{report}");
    assert!(report["bad"][0]["message"]
        .as_str()
        .unwrap()
        .contains("received_at"));
    assert!(report["bad"][3]["message"]
        .as_str()
        .unwrap()
        .contains("also on line 2"));
    assert_eq!(report["imported"], 0);
    assert_eq!(
        served.store.responses(&site.key, 10).await.unwrap().len(),
        0
    );

    // A column that is neither known nor an attribute is refused before any row.
    let path = dir.path().join("header.csv");
    std::fs::write(&path, "external_id,received_at,survey_id,nps,attr.a b\n").unwrap();
    let out = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 1: no column is called \"attr.a b\"")
    );

    // The site segments by plan: the attribute column of an import is one, as at ingest.
    let settings = shared::SiteSettings {
        segment_attributes: vec!["plan".into()],
        ..Default::default()
    };
    assert!(served
        .store
        .set_site_settings(&site.key, &settings)
        .await
        .unwrap());
    let good = format!(
        "external_id,received_at,survey_id,nps,comment,device,locale,page_url,attr.plan\n\
         g1,{},why,10,Fast delivery,mobile,en-US,https://shop.test/checkout,pro\n\
         g2,{},why,2,\"Slow, broken\",desktop,de-DE,,free\n\
         g3,{},why,8,,,,,\n",
        day(40),
        day(10),
        day(1)
    );
    let path = dir.path().join("good.csv");
    std::fs::write(&path, good).unwrap();
    let out = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["rows"].as_i64(), report["imported"].as_i64()),
        (Some(3), Some(0))
    );
    assert_eq!(
        served.store.responses(&site.key, 10).await.unwrap().len(),
        0
    );
    let out = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], 3);
    let again = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_i64(), report["already"].as_i64()),
        (Some(0), Some(3))
    );
    // Stored with their own times: the last 30 days hold two of them.
    let overview: Value = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/insight/overview?days=30", site.key),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(overview["responses"], 2, "{overview}");
    let stored = served.store.responses(&site.key, 10).await.unwrap();
    let g2 = stored
        .iter()
        .find(|r| r.enrichment.locale.as_deref() == Some("de-DE"))
        .unwrap();
    assert_eq!(g2.received_at, app::START_MS - 10 * DAY_MS);
    assert_eq!(g2.enrichment.device.as_deref(), Some("desktop"));
    assert_eq!(g2.enrichment.attributes["plan"], "free");
    // Gathered elsewhere, by a channel the file did not name.
    assert_eq!(g2.enrichment.channel.as_deref(), Some("other"));
    // Checked against the survey's version 1, and counted with it.
    assert!(stored.iter().all(|r| r.survey_version == Some(1)));
    let versions: Value = get(
        &served,
        &viewer,
        &format!("/api/v1/admin/sites/{}/surveys/why/versions", site.key),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(versions["versions"][0]["answers"], 3, "{versions}");
    let free: Value = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/overview?days=30&segment=attr.plan:free",
            site.key
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(free["responses"], 1, "{free}");
    the_rollups_are_the_fold_of_the_answers(&served, &site).await;

    // A generated sample of 60 days imports whole.
    let out = hark(&[
        "import",
        "answers",
        "--site",
        site.key.as_str(),
        "--sample-days",
        "60",
        "--survey",
        "why",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["imported"].as_i64().unwrap() >= 60 * 8, "{report}");
    assert_eq!(report["bad"], json!([]));
}

/// The drivers of a multi-question survey include how each other scale question moves with its
/// NPS: CSAT that follows the score correlates strongly, CES that does not, weakly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drivers_correlate_each_question_with_the_nps() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let survey: shared::Survey = serde_json::from_value(json!({
        "id": "three", "name": "Three",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [
            {"id": "score", "type": "nps", "prompt": "Recommend us?"},
            {"id": "sat", "type": "csat", "prompt": "Satisfied?"},
            {"id": "effort", "type": "ces", "prompt": "Easy?"}
        ]
    }))
    .unwrap();
    harness
        .store
        .create_survey(
            &site.key,
            &survey,
            collector::store::SurveyStatus::Active,
            1,
        )
        .await
        .unwrap();
    let served = harness.serve().await;
    let mut random = Seeded(3);
    for _ in 0..40 {
        let nps = random.below(11);
        let csat = 1 + nps / 3 + random.below(2).min(4 - nps / 3);
        let ces = 1 + random.below(7);
        let response = served
            .client
            .post(format!("{}/api/v1/responses", served.base))
            .header(ORIGIN, SHOP)
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(
                json!({"id": uuid(), "site_key": site.key, "survey_id": "three", "answers": [
                    {"type": "nps", "question_id": "score", "score": nps},
                    {"type": "csat", "question_id": "sat", "score": csat},
                    {"type": "ces", "question_id": "effort", "score": ces},
                ]})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        // Within the per-client limit, as separate visitors would be.
        served.clock.advance(2000);
    }
    let drivers: Value = get(
        &served,
        &viewer,
        &format!(
            "/api/v1/admin/sites/{}/insight/drivers?days=7&survey=three",
            site.key
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    let correlations = drivers["correlations"].as_array().unwrap();
    assert_eq!(correlations.len(), 2, "{drivers}");
    assert_eq!(correlations[0]["question"], "sat");
    assert_eq!(correlations[0]["n"], 40);
    let r = correlations[0]["r"].as_f64().unwrap();
    assert!(r > 0.8, "{drivers}");
    assert!(correlations[0]["interval"]["low"].as_f64().unwrap() > 0.5);
    assert_eq!(correlations[1]["question"], "effort");
    assert!(
        correlations[1]["r"].as_f64().unwrap().abs() < 0.4,
        "{drivers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_segmented_by_the_attributes_the_site_names_on_sqlite() {
    answers_are_segmented_by_the_attributes_the_site_names(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_segmented_by_the_attributes_the_site_names_on_postgres() {
    answers_are_segmented_by_the_attributes_the_site_names(postgres_harness().await).await;
}

/// `hark('identify', id, attrs)` attributes become segments once the site names them in its
/// settings (at most three): the overview, the segment list and the explorer filter by them,
/// answers from before the setting or without the attribute are in no such segment, the
/// widget's config does not show them, and the rollups stay the fold of the stored answers
/// through an erasure and a change of the setting.
async fn answers_are_segmented_by_the_attributes_the_site_names(harness: Harness) {
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;
    let base = format!("/api/v1/admin/sites/{}", site.key);
    let answer = |score: u8, attributes: Value, user: &str| {
        let body = json!({
            "id": uuid(), "site_key": site.key, "survey_id": "nps",
            "answers": [{"type": "nps", "question_id": "q1", "score": score}],
            "user_id": user, "attributes": attributes,
        });
        let request = served
            .client
            .post(format!("{}/api/v1/responses", served.base))
            .header(ORIGIN, SHOP)
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(body.to_string());
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let settings = |patch: Value| {
        let request = served
            .client
            .patch(format!("{}{base}/settings", served.base))
            .bearer_auth(&admin)
            .json(&patch);
        async move { request.send().await.unwrap() }
    };
    // Before the site names it, `plan` is kept with the answer but is no segment.
    let before = answer(10, json!({"plan": "pro"}), "u-0").await;

    for (bad, why) in [
        (json!(["a", "b", "c", "d"]), "up to 3"),
        (json!(["plan", "plan"]), "different"),
        (json!(["no spaces"]), "A-Z a-z 0-9"),
        (json!("plan"), "invalid type"),
    ] {
        let (status, _, message) =
            error_of(settings(json!({ "segment_attributes": bad })).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(message.contains(why), "{bad}: {message}");
    }
    let response = settings(json!({"segment_attributes": ["plan", "country"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["segment_attributes"], json!(["plan", "country"]));
    // The page's config says nothing about them.
    let config = served
        .client
        .get(format!("{}/api/v1/sites/{}/config", served.base, site.key))
        .header(ORIGIN, SHOP)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!config.contains("segment_attributes"), "{config}");

    let mut pro = Vec::new();
    for (i, score) in [10, 10, 9, 3].into_iter().enumerate() {
        let country = if i % 2 == 0 { "DE" } else { "FR" };
        pro.push(
            answer(
                score,
                json!({"plan": "pro", "country": country, "seat": "7"}),
                &format!("u-pro-{i}"),
            )
            .await,
        );
    }
    for score in [2, 5, 9] {
        answer(score, json!({"plan": "free"}), "u-free").await;
    }
    // Another value, in another case, and no attribute at all.
    answer(0, json!({"plan": "PRO"}), "u-upper").await;
    answer(8, json!({}), "u-none").await;

    let overview = |segment: &str| {
        let path = format!("{base}/insight/overview?days=7&segment={segment}");
        let served = &served;
        let admin = &admin;
        async move {
            let response = get(served, admin, &path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let overview: Value = response.json().await.unwrap();
            overview["scores"][0]["score"].clone()
        }
    };
    let score = overview("attr.plan:pro").await;
    assert_eq!(score["n"], 4, "{score}");
    // 3 promoters, 1 detractor of 4.
    assert_eq!(score["value"], 50.0, "{score}");
    assert_eq!(overview("attr.plan:free").await["n"], 3);
    assert_eq!(overview("attr.plan:PRO").await["n"], 1);
    assert_eq!(overview("attr.country:DE").await["n"], 2);
    // Not named by the site: no segment.
    assert_eq!(overview("attr.seat:7").await["n"], 0);
    let response = get(
        &served,
        &admin,
        &format!("{base}/insight/overview?segment=attr.bad key:x"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let segments: Value = get(&served, &admin, &format!("{base}/insight/segments?days=7"))
        .await
        .json()
        .await
        .unwrap();
    let plan = segments
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dimension"] == "attr.plan")
        .unwrap_or_else(|| panic!("{segments}"));
    assert_eq!(
        plan["values"],
        json!([
            {"value": "pro", "responses": 4},
            {"value": "free", "responses": 3},
            {"value": "PRO", "responses": 1},
        ])
    );
    let drivers: Value = get(&served, &admin, &format!("{base}/insight/drivers?days=7"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        drivers["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["dimension"] == "attr.plan" && d["value"] == "free"),
        "{drivers}"
    );

    // The explorer lists exactly the segment's answers: not the one from before the setting,
    // not the other case.
    let listed: Value = get(
        &served,
        &admin,
        &format!("{base}/responses?segment=attr.plan:pro"),
    )
    .await
    .json()
    .await
    .unwrap();
    let mut found = ids(&listed);
    found.sort();
    pro.sort();
    assert_eq!(found, pro);
    assert!(!found.contains(&before));

    // An erasure and a change of the setting: the rollups stay the fold of the answers.
    let erased = served
        .client
        .post(format!("{}{base}/erasure", served.base))
        .bearer_auth(&admin)
        .json(&json!({"user_id": "u-free"}))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(overview("attr.plan:free").await["n"], 0);
    the_rollups_are_the_fold_of_the_answers(&served, &site).await;
    let response = settings(json!({"segment_attributes": ["country"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    answer(10, json!({"plan": "pro", "country": "DE"}), "u-after").await;
    assert_eq!(overview("attr.plan:pro").await["n"], 4);
    assert_eq!(overview("attr.country:DE").await["n"], 3);
    the_rollups_are_the_fold_of_the_answers(&served, &site).await;
}
