//! A site's team and each member's account, at the HTTP boundary, on SQLite and PostgreSQL:
//! invitations mailed through a real SMTP server (Python's `aiosmtpd`) whose link sets a password
//! and signs in, once, until it expires by the injected clock; the role ceiling and the last
//! owner; the password changed and every session ended; and two-factor sign-in with codes
//! computed here from the shared secret by an RFC 6238 implementation of the test's own.

#[path = "support/app.rs"]
mod app;
#[path = "support/members.rs"]
mod members;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/postgres.rs"]
mod postgres_server;
#[path = "support/totp.rs"]
mod totp;

use app::Harness;
use collector::access::Role;
use collector::clock::rfc3339;
use members::{password_hash, postgres_harness, session_of, App, Who, PASSWORD};
use reqwest::header::{CACHE_CONTROL, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use totp::{base32_decode, totp};

const NEW_PASSWORD: &str = "a much longer passphrase now";
const KEY: &str = "5a1d4f0c8e7b6a594837261504f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c";
const MINUTE: i64 = 60 * 1000;
const DAY: i64 = 24 * 60 * MINUTE;

/// What only these tests ask of the site.
impl App {
    async fn members(&self, who: &Who) -> Vec<Value> {
        let r = self
            .call(Method::GET, &self.site_path("members"), None, who)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()["members"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn invite(&self, who: &Who, email: &str, role: &str) -> reqwest::Response {
        self.call(
            Method::POST,
            &self.site_path("invitations"),
            Some(json!({ "email": email, "role": role })),
            who,
        )
        .await
    }

    async fn public(&self, what: &str, body: Value, who: &Who) -> reqwest::Response {
        self.call(
            Method::POST,
            &format!("/api/v1/invitations/{what}"),
            Some(body),
            who,
        )
        .await
    }

    async fn audit_actions(&self, who: &Who) -> Vec<String> {
        let r = self
            .call(Method::GET, &self.site_path("audit"), None, who)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["actor"].as_str().unwrap(),
                    e["action"].as_str().unwrap(),
                    e["detail"].as_str().unwrap()
                )
            })
            .collect()
    }
}

async fn error_code(r: reqwest::Response) -> (StatusCode, String, String) {
    let (status, code, message) = app::error_of(r).await;
    (status, code, message)
}

/// The 64 hex digits after `/dashboard/#/invite/` in `text`.
fn token_in(text: &str) -> String {
    let at = text
        .find("/dashboard/#/invite/")
        .unwrap_or_else(|| panic!("no invitation link in {text}"))
        + "/dashboard/#/invite/".len();
    let token: String = text[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    token
}

#[test]
fn the_tests_own_totp_follows_the_rfc() {
    // RFC 6238, appendix B (SHA-1): 94287082 at 59 s, 07081804 at 1111111109 s.
    assert_eq!(totp(b"12345678901234567890", 59_000), "287082");
    assert_eq!(totp(b"12345678901234567890", 1_111_111_109_000), "081804");
    assert_eq!(base32_decode("GEZDGNBVGY3TQOJQ"), b"1234567890");
}

// Invitations through a real SMTP server.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_invitation_sets_a_password_signs_in_and_works_once_until_it_expires_on_sqlite() {
    a_mailed_invitation_sets_a_password_signs_in_and_works_once_until_it_expires(
        Harness::new().await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_invitation_sets_a_password_signs_in_and_works_once_until_it_expires_on_postgres()
{
    a_mailed_invitation_sets_a_password_signs_in_and_works_once_until_it_expires(
        postgres_harness().await,
    )
    .await;
}

async fn a_mailed_invitation_sets_a_password_signs_in_and_works_once_until_it_expires(
    harness: Harness,
) {
    let Some(smtp) = peers::smtp_server() else {
        return;
    };
    let harness = harness.smtp(
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "Hark <hark@feedback.test>",
    );
    let app = App::start(harness).await;
    app.user("ann@shop.test", Role::Owner).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let started = app.now();

    let r = app.invite(&ann, " Cat@Shop.Test ", "agent").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let sent: Value = r.json().await.unwrap();
    assert_eq!(sent["mailed"], true);
    assert_eq!(sent["link"], Value::Null, "a mailed link is never shown");
    let invitation = &sent["invitation"];
    assert_eq!(invitation["email"], "cat@shop.test");
    assert_eq!(invitation["role"], "agent");
    assert_eq!(invitation["invited_by"], "ann@shop.test");
    assert_eq!(invitation["expires_at"], rfc3339(started + 7 * DAY));

    // The invitee's mailbox has the link; nobody else has it.
    peers::wait_for_messages(&smtp, 1).await;
    let mail = peers::decoded_messages(&smtp).remove(0);
    assert!(mail.contains("To: cat@shop.test"), "{mail}");
    assert!(
        mail.contains("Subject: You are invited to Ann's Shop on Hark"),
        "{mail}"
    );
    assert!(mail.contains("ann@shop.test invites you"), "{mail}");
    assert!(mail.contains("as an agent"), "{mail}");
    assert!(
        mail.contains("http://hark.test/dashboard/#/invite/"),
        "{mail}"
    );
    let token = token_in(&mail);

    let pending = app
        .call(Method::GET, &app.site_path("invitations"), None, &ann)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(pending["invitations"], json!([invitation]));

    let preview = app
        .public("preview", json!({ "token": token }), &Who::Nobody)
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(
        preview.json::<Value>().await.unwrap(),
        json!({
            "site_key": app.site.key, "site_name": "Ann's Shop", "email": "cat@shop.test",
            "role": "agent", "expires_at": invitation["expires_at"], "existing_user": false,
        })
    );

    // A new user sets a password: none, or one too short, is refused and costs nothing.
    for body in [
        json!({ "token": token }),
        json!({ "token": token, "password": "short" }),
    ] {
        let (status, code, _) = error_code(app.public("accept", body, &Who::Nobody).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        );
    }
    app.served.clock.advance(MINUTE);
    let accepted = app
        .public(
            "accept",
            json!({ "token": token, "password": NEW_PASSWORD }),
            &Who::Nobody,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    let (cat, account) = session_of(accepted).await;
    assert_eq!(account["email"], "cat@shop.test");
    assert_eq!(
        account["sites"],
        json!([{ "site_key": app.site.key, "site_name": "Ann's Shop", "role": "agent" }])
    );
    // Signed in: the session works at once.
    let me = app.call(Method::GET, "/api/v1/admin/me", None, &cat).await;
    assert_eq!(me.status(), StatusCode::OK);
    let members = app.members(&ann).await;
    let cat_member = members
        .iter()
        .find(|m| m["email"] == "cat@shop.test")
        .expect("cat is in the team");
    assert_eq!(cat_member["role"], "agent");
    assert_eq!(cat_member["since"], rfc3339(started + MINUTE));
    assert_eq!(cat_member["last_sign_in"], rfc3339(started + MINUTE));
    assert_eq!(cat_member["two_factor"], false);

    // The link works once.
    for what in ["preview", "accept"] {
        let (status, code, message) = error_code(
            app.public(
                what,
                json!({ "token": token, "password": "another password entirely" }),
                &Who::Nobody,
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::GONE, "gone"),
            "{what}"
        );
        assert!(message.contains("used already"), "{message}");
    }
    let pending = app
        .call(Method::GET, &app.site_path("invitations"), None, &ann)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(pending["invitations"], json!([]));
    // The password set is the account's.
    assert_eq!(
        app.sign_in_response("cat@shop.test", NEW_PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );

    // A link expires after 7 days by the injected clock.
    let r = app.invite(&ann, "dan@shop.test", "viewer").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    peers::wait_for_messages(&smtp, 2).await;
    let mail = peers::decoded_messages(&smtp)
        .into_iter()
        .find(|m| m.contains("To: dan@shop.test"))
        .unwrap();
    let dan_token = token_in(&mail);
    app.served.clock.advance(7 * DAY - 1);
    let preview = app
        .public("preview", json!({ "token": dan_token }), &Who::Nobody)
        .await;
    assert_eq!(
        preview.status(),
        StatusCode::OK,
        "a moment before it expires"
    );
    app.served.clock.advance(1);
    for what in ["preview", "accept"] {
        let (status, _, message) = error_code(
            app.public(
                what,
                json!({ "token": dan_token, "password": NEW_PASSWORD }),
                &Who::Nobody,
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::GONE, "{what}");
        assert!(message.contains("expired"), "{message}");
    }
    assert!(
        app.served
            .store
            .user_by_email("dan@shop.test")
            .await
            .unwrap()
            .is_none(),
        "an expired link makes no account"
    );

    // A withdrawn link is refused; so is an unknown one. (A week idle ended Ann's session.)
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let r = app.invite(&ann, "eve@shop.test", "viewer").await;
    let id = r.json::<Value>().await.unwrap()["invitation"]["id"]
        .as_i64()
        .unwrap();
    peers::wait_for_messages(&smtp, 3).await;
    let mail = peers::decoded_messages(&smtp)
        .into_iter()
        .find(|m| m.contains("To: eve@shop.test"))
        .unwrap();
    let eve_token = token_in(&mail);
    let revoke = app.site_path(&format!("invitations/{id}"));
    assert_eq!(
        app.call(Method::DELETE, &revoke, None, &ann).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(Method::DELETE, &revoke, None, &ann).await.status(),
        StatusCode::NOT_FOUND,
        "withdrawn once"
    );
    let (status, _, message) = error_code(
        app.public(
            "accept",
            json!({ "token": eve_token, "password": NEW_PASSWORD }),
            &Who::Nobody,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(message.contains("withdrawn"), "{message}");
    let (status, code, _) = error_code(
        app.public("preview", json!({ "token": "0".repeat(64) }), &Who::Nobody)
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let log = app.audit_actions(&ann).await;
    for line in [
        format!("ann@shop.test invitation.revoke invitation:{id} eve@shop.test role=viewer"),
        "cat@shop.test invitation.accept".to_owned(),
        "ann@shop.test invitation.create".to_owned(),
    ] {
        assert!(
            log.iter().any(|l| l.starts_with(&line)),
            "{line} in {log:#?}"
        );
    }
    // The log and the listings never carry a token.
    assert!(!log.iter().any(|l| l.contains(&token)));
}

// Existing accounts, and links handed over by hand where the collector sends no mail.

#[tokio::test]
async fn an_existing_user_joins_signed_in_or_with_their_password_on_sqlite() {
    an_existing_user_joins_signed_in_or_with_their_password(Harness::new().await).await;
}

#[tokio::test]
async fn an_existing_user_joins_signed_in_or_with_their_password_on_postgres() {
    an_existing_user_joins_signed_in_or_with_their_password(postgres_harness().await).await;
}

async fn an_existing_user_joins_signed_in_or_with_their_password(harness: Harness) {
    let app = App::start(harness).await;
    let other = app
        .served
        .store
        .create_site("Bob's Shop", &[], 0)
        .await
        .unwrap();
    app.user("ann@shop.test", Role::Owner).await;
    for email in ["bob@shop.test", "cat@shop.test"] {
        let id = app
            .served
            .store
            .create_user(email, password_hash(), 0)
            .await
            .unwrap();
        app.served
            .store
            .set_membership(id, &other.key, Role::Owner, 0)
            .await
            .unwrap();
    }
    let ann = app.session("ann@shop.test", PASSWORD, None).await;

    // Without an SMTP server the link is the answer's, to hand over.
    let r = app.invite(&ann, "bob@shop.test", "admin").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let sent: Value = r.json().await.unwrap();
    assert_eq!(sent["mailed"], false);
    let link = sent["link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/dashboard/#/invite/", app.served.base)),
        "{link}"
    );
    let token = token_in(link);
    let preview: Value = app
        .public("preview", json!({ "token": token }), &Who::Nobody)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["existing_user"], true);

    // Neither a password nor a session; a wrong password; the cookie without its CSRF token;
    // someone else's session: each refused, the link unspent.
    let (status, _, message) = error_code(
        app.public("accept", json!({ "token": token }), &Who::Nobody)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("sign in first"), "{message}");
    let (status, code, _) = error_code(
        app.public(
            "accept",
            json!({ "token": token, "password": "not bob's password" }),
            &Who::Nobody,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "wrong_credentials")
    );
    let bob = app.session("bob@shop.test", PASSWORD, None).await;
    let Who::Session { cookie, .. } = &bob else {
        unreachable!()
    };
    let no_csrf = app
        .served
        .client
        .post(format!("{}/api/v1/invitations/accept", app.served.base))
        .header(COOKIE, cookie)
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let (status, _, message) =
        error_code(app.public("accept", json!({ "token": token }), &ann).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message.contains("for bob@shop.test"), "{message}");

    // Bob, signed in, joins: his session goes on with the new site in it.
    let joined = app.public("accept", json!({ "token": token }), &bob).await;
    assert_eq!(joined.status(), StatusCode::OK);
    assert!(joined.headers().get(SET_COOKIE).is_none());
    let account: Value = joined.json().await.unwrap();
    let roles: Vec<(String, String)> = account["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["site_name"].as_str().unwrap().to_owned(),
                s["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("Ann's Shop".to_owned(), "admin".to_owned()),
            ("Bob's Shop".to_owned(), "owner".to_owned())
        ]
    );
    let r = app
        .call(Method::GET, &app.site_path("invitations"), None, &bob)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "bob is an admin of the site now"
    );

    // Cat joins with her password, which signs her in; a member is not invited twice.
    let r = app.invite(&ann, "cat@shop.test", "viewer").await;
    let token = token_in(r.json::<Value>().await.unwrap()["link"].as_str().unwrap());
    let joined = app
        .public(
            "accept",
            json!({ "token": token, "password": PASSWORD }),
            &Who::Nobody,
        )
        .await;
    assert_eq!(joined.status(), StatusCode::OK);
    let (cat, _) = session_of(joined).await;
    assert_eq!(app.members(&cat).await.len(), 3);
    let (status, code, _) = error_code(app.invite(&ann, "cat@shop.test", "agent").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));

    // Inviting an address again withdraws its earlier link.
    let first = app.invite(&ann, "dan@shop.test", "viewer").await;
    let first = token_in(
        first.json::<Value>().await.unwrap()["link"]
            .as_str()
            .unwrap(),
    );
    let second = app.invite(&ann, "dan@shop.test", "agent").await;
    let second = token_in(
        second.json::<Value>().await.unwrap()["link"]
            .as_str()
            .unwrap(),
    );
    let (status, _, message) = error_code(
        app.public("preview", json!({ "token": first }), &Who::Nobody)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(message.contains("withdrawn"), "{message}");
    let preview: Value = app
        .public("preview", json!({ "token": second }), &Who::Nobody)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["role"], "agent");
}

// The role ceiling and the last owner.

#[tokio::test]
async fn role_changes_obey_the_ceiling_and_the_last_owner_stays_on_sqlite() {
    role_changes_obey_the_ceiling_and_the_last_owner_stays(Harness::new().await).await;
}

#[tokio::test]
async fn role_changes_obey_the_ceiling_and_the_last_owner_stays_on_postgres() {
    role_changes_obey_the_ceiling_and_the_last_owner_stays(postgres_harness().await).await;
}

async fn role_changes_obey_the_ceiling_and_the_last_owner_stays(harness: Harness) {
    let app = App::start(harness).await;
    let ann_id = app.user("ann@shop.test", Role::Owner).await;
    let bob_id = app.user("bob@shop.test", Role::Admin).await;
    let cat_id = app.user("cat@shop.test", Role::Agent).await;
    let dan_id = app.user("dan@shop.test", Role::Viewer).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let bob = app.session("bob@shop.test", PASSWORD, None).await;
    let dan = app.session("dan@shop.test", PASSWORD, None).await;
    let member = |id: i64| app.site_path(&format!("members/{id}"));
    let set = |who: &Who, id: i64, role: &str| {
        let (who, path, role) = (who.clone(), member(id), role.to_owned());
        let app = &app;
        async move {
            app.call(Method::PUT, &path, Some(json!({ "role": role })), &who)
                .await
        }
    };

    // A viewer sees the team, owners first; and changes nothing.
    let team: Vec<(String, String)> = app
        .members(&dan)
        .await
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        team,
        [
            ("ann@shop.test", "owner"),
            ("bob@shop.test", "admin"),
            ("cat@shop.test", "agent"),
            ("dan@shop.test", "viewer"),
        ]
        .map(|(e, r)| (e.to_owned(), r.to_owned()))
    );
    assert_eq!(
        set(&dan, cat_id, "viewer").await.status(),
        StatusCode::FORBIDDEN
    );

    // An admin gives no role above their own, and touches nobody above them.
    let (status, _, message) = error_code(set(&bob, cat_id, "owner").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(message, "an admin cannot give the owner role");
    let (status, _, message) = error_code(set(&bob, ann_id, "viewer").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(message, "an admin cannot change or remove an owner");
    assert_eq!(
        app.invite(&bob, "eve@shop.test", "owner").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &member(ann_id), None, &bob)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let raised = set(&bob, cat_id, "admin").await;
    assert_eq!(raised.status(), StatusCode::OK);
    let raised: Value = raised.json().await.unwrap();
    assert_eq!(
        (raised["email"].as_str(), raised["role"].as_str()),
        (Some("cat@shop.test"), Some("admin"))
    );
    assert_eq!(
        app.call(Method::DELETE, &member(dan_id), None, &bob)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // Removed: the site is gone from Dan's session at once.
    assert_eq!(
        app.call(Method::GET, &app.site_path("members"), None, &dan)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &member(dan_id), None, &bob)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The last owner can be neither demoted nor removed, by anyone, themselves included.
    for response in [
        set(&ann, ann_id, "admin").await,
        app.call(Method::DELETE, &member(ann_id), None, &ann).await,
    ] {
        let (status, code, message) = error_code(response).await;
        assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
        assert!(message.contains("last owner"), "{message}");
    }
    // With a second owner, the first may step down; then the second is the last.
    assert_eq!(set(&ann, bob_id, "owner").await.status(), StatusCode::OK);
    assert_eq!(set(&ann, ann_id, "admin").await.status(), StatusCode::OK);
    let (status, _, message) =
        error_code(app.call(Method::DELETE, &member(bob_id), None, &bob).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.contains("last owner"), "{message}");
    let owners: Vec<String> = app
        .members(&ann)
        .await
        .iter()
        .filter(|m| m["role"] == "owner")
        .map(|m| m["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(owners, ["bob@shop.test"]);

    // Bad ids and roles.
    assert_eq!(
        set(&bob, 999_999, "agent").await.status(),
        StatusCode::NOT_FOUND
    );
    let bad = app.site_path("members/abc");
    assert_eq!(
        app.call(Method::PUT, &bad, Some(json!({"role": "agent"})), &bob)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        set(&bob, cat_id, "god").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let log = app.audit_actions(&bob).await;
    for line in [
        format!("bob@shop.test member.role user:{cat_id} cat@shop.test agent -> admin"),
        format!("bob@shop.test member.remove user:{dan_id} dan@shop.test viewer"),
        format!("ann@shop.test member.role user:{ann_id} ann@shop.test owner -> admin"),
    ] {
        assert!(log.contains(&line), "{line} in {log:#?}");
    }
}

// The password and sessions.

#[tokio::test]
async fn a_new_password_ends_the_other_sessions_and_signing_out_everywhere_ends_all_on_sqlite() {
    a_new_password_ends_the_other_sessions_and_signing_out_everywhere_ends_all(
        Harness::new().await,
    )
    .await;
}

#[tokio::test]
async fn a_new_password_ends_the_other_sessions_and_signing_out_everywhere_ends_all_on_postgres() {
    a_new_password_ends_the_other_sessions_and_signing_out_everywhere_ends_all(
        postgres_harness().await,
    )
    .await;
}

async fn a_new_password_ends_the_other_sessions_and_signing_out_everywhere_ends_all(
    harness: Harness,
) {
    let app = App::start(harness).await;
    app.user("ann@shop.test", Role::Owner).await;
    let here = app.session("ann@shop.test", PASSWORD, None).await;
    let there = app.session("ann@shop.test", PASSWORD, None).await;
    let me = |who: &Who| {
        let (app, who) = (&app, who.clone());
        async move {
            app.call(Method::GET, "/api/v1/admin/me", None, &who)
                .await
                .status()
        }
    };
    let change = |current: &str, new: &str| {
        let app = &app;
        let here = here.clone();
        let body = json!({ "current_password": current, "new_password": new });
        async move {
            app.call(
                Method::PUT,
                "/api/v1/admin/account/password",
                Some(body),
                &here,
            )
            .await
        }
    };

    let (status, code, _) = error_code(change("not my password", NEW_PASSWORD).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    let (status, code, _) = error_code(change(PASSWORD, "short").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert_eq!(me(&there).await, StatusCode::OK, "nothing changed yet");

    assert_eq!(
        change(PASSWORD, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(me(&here).await, StatusCode::OK, "this session goes on");
    assert_eq!(
        me(&there).await,
        StatusCode::UNAUTHORIZED,
        "the other has ended"
    );
    assert_eq!(
        app.sign_in_response("ann@shop.test", PASSWORD, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let third = app.session("ann@shop.test", NEW_PASSWORD, None).await;

    // An API token has no account.
    let (token, _) = app::create_token(&app.served.store, &app.site, Role::Owner).await;
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/admin/account/sessions",
            None,
            &Who::Token(token.clone())
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    let out = app
        .call(
            Method::DELETE,
            "/api/v1/admin/account/sessions",
            None,
            &third,
        )
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(out.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(me(&here).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&third).await, StatusCode::UNAUTHORIZED);
    // API tokens are the site's, and stay.
    assert_eq!(me(&Who::Token(token)).await, StatusCode::OK);

    let again = app.session("ann@shop.test", NEW_PASSWORD, None).await;
    let log = app.audit_actions(&again).await;
    assert!(
        log.contains(&"ann@shop.test account.password 1 other sessions ended".to_owned()),
        "{log:#?}"
    );
    assert!(
        log.contains(&"ann@shop.test session.delete_all 2 sessions ended".to_owned()),
        "{log:#?}"
    );
}

// Two-factor sign-in.

#[tokio::test]
async fn two_factor_sign_in_takes_codes_of_the_shared_secret_and_recovery_codes_once_on_sqlite() {
    two_factor_sign_in_takes_codes_of_the_shared_secret_and_recovery_codes_once(
        Harness::new().await,
    )
    .await;
}

#[tokio::test]
async fn two_factor_sign_in_takes_codes_of_the_shared_secret_and_recovery_codes_once_on_postgres() {
    two_factor_sign_in_takes_codes_of_the_shared_secret_and_recovery_codes_once(
        postgres_harness().await,
    )
    .await;
}

async fn two_factor_sign_in_takes_codes_of_the_shared_secret_and_recovery_codes_once(
    harness: Harness,
) {
    let app = App::start(harness.two_factor_key(KEY)).await;
    app.user("ann@shop.test", Role::Owner).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let path = "/api/v1/admin/account/two-factor";
    let status = || {
        let (app, ann) = (&app, ann.clone());
        async move {
            let r = app.call(Method::GET, path, None, &ann).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let post = |rest: &str, body: Value| {
        let (app, ann) = (&app, ann.clone());
        let url = format!("{path}{rest}");
        async move { app.call(Method::POST, &url, Some(body), &ann).await }
    };
    let quarter_hour = || app.served.clock.advance(15 * MINUTE);
    assert_eq!(
        status().await,
        json!({"available": true, "enabled": false, "pending": false, "recovery_codes_left": 0})
    );

    // Enrolment starts with the password and gives the secret.
    let (code, kind, _) = error_code(post("", json!({"password": "wrong"})).await).await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    let started = post("", json!({"password": PASSWORD})).await;
    assert_eq!(started.status(), StatusCode::OK);
    assert_eq!(started.headers()[CACHE_CONTROL], "no-store");
    let enrolment: Value = started.json().await.unwrap();
    let base32 = enrolment["secret"].as_str().unwrap();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Hark:ann%40shop.test?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={base32}")), "{uri}");
    let secret = base32_decode(base32);
    assert_eq!(secret.len(), 20);
    assert_eq!(status().await["pending"], true);
    // Until confirmed, sign-in asks for no code.
    app.session("ann@shop.test", PASSWORD, None).await;

    // Only a valid code confirms it.
    let wrong = format!(
        "{:06}",
        (totp(&secret, app.now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let (code, kind, _) = error_code(post("/confirm", json!({"code": wrong})).await).await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    let enrolled_with = totp(&secret, app.now());
    let confirmed = post("/confirm", json!({"code": enrolled_with})).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let recovery: Vec<String> = confirmed.json::<Value>().await.unwrap()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    assert_eq!(
        recovery
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        10
    );
    assert_eq!(
        status().await,
        json!({"available": true, "enabled": true, "pending": false, "recovery_codes_left": 10})
    );
    assert_eq!(
        post("", json!({"password": PASSWORD})).await.status(),
        StatusCode::CONFLICT
    );
    let members = app.members(&ann).await;
    assert_eq!(members[0]["two_factor"], true);

    // Sign-in now asks for a code: the password alone is not enough, and sets no cookie.
    let asked = app.sign_in_response("ann@shop.test", PASSWORD, None).await;
    assert!(asked.headers().get(SET_COOKIE).is_none());
    let (code, kind, _) = error_code(asked).await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "two_factor_required")
    );
    // The code that confirmed enrolment is spent; the next step's works, once.
    let (code, kind, _) = error_code(
        app.sign_in_response("ann@shop.test", PASSWORD, Some(&enrolled_with))
            .await,
    )
    .await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "wrong_code")
    );
    app.served.clock.advance(30_000);
    let now_code = totp(&secret, app.now());
    app.session("ann@shop.test", PASSWORD, Some(&now_code))
        .await;
    let (code, kind, _) = error_code(
        app.sign_in_response("ann@shop.test", PASSWORD, Some(&now_code))
            .await,
    )
    .await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "wrong_code"),
        "replayed"
    );
    // A code is no password.
    app.served.clock.advance(30_000);
    let (code, kind, _) = error_code(
        app.sign_in_response(
            "ann@shop.test",
            "not the password",
            Some(&totp(&secret, app.now())),
        )
        .await,
    )
    .await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "wrong_credentials")
    );
    // A code of two minutes ago is refused; a phone a step behind is fine.
    let stale = totp(&secret, app.now() - 120_000);
    let (code, _, _) = error_code(
        app.sign_in_response("ann@shop.test", PASSWORD, Some(&stale))
            .await,
    )
    .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    // Five failures so far: the window passes before the next sign-in.
    quarter_hour();
    let behind = totp(&secret, app.now() - 30_000);
    app.session("ann@shop.test", PASSWORD, Some(&behind)).await;

    // Each recovery code works once, however it is typed.
    app.session("ann@shop.test", PASSWORD, Some(&recovery[0]))
        .await;
    let (code, kind, _) = error_code(
        app.sign_in_response("ann@shop.test", PASSWORD, Some(&recovery[0]))
            .await,
    )
    .await;
    assert_eq!(
        (code, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "wrong_code")
    );
    let typed = format!(" {} ", recovery[1].replace('-', " ").to_uppercase());
    app.session("ann@shop.test", PASSWORD, Some(&typed)).await;
    assert_eq!(status().await["recovery_codes_left"], 8);

    // Wrong codes count toward the sign-in limit, as wrong passwords do.
    quarter_hour();
    for _ in 0..5 {
        let (code, kind, _) = error_code(
            app.sign_in_response("ann@shop.test", PASSWORD, Some("000000"))
                .await,
        )
        .await;
        assert!(
            code == StatusCode::UNAUTHORIZED && kind == "wrong_code",
            "{code} {kind}"
        );
    }
    let limited = app
        .sign_in_response("ann@shop.test", PASSWORD, Some(&totp(&secret, app.now())))
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    quarter_hour();
    app.session("ann@shop.test", PASSWORD, Some(&totp(&secret, app.now())))
        .await;

    // New recovery codes need a code or the password; the old ones stop working.
    let (code, kind, _) =
        error_code(post("/recovery-codes", json!({"code": "123456"})).await).await;
    assert_eq!((code, kind.as_str()), (StatusCode::FORBIDDEN, "wrong_code"));
    let (code, _, _) = error_code(post("/recovery-codes", json!({})).await).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    let renewed = post("/recovery-codes", json!({"password": PASSWORD})).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Vec<String> = renewed.json::<Value>().await.unwrap()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(renewed.len(), 10);
    assert_eq!(
        app.sign_in_response("ann@shop.test", PASSWORD, Some(&recovery[2]))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Off with a recovery code (spent by it); sign-in asks for the password only again.
    quarter_hour();
    let (code, kind, _) = error_code(post("/disable", json!({"code": "000000"})).await).await;
    assert_eq!((code, kind.as_str()), (StatusCode::FORBIDDEN, "wrong_code"));
    assert_eq!(
        post("/disable", json!({"code": renewed[0]})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status().await,
        json!({"available": true, "enabled": false, "pending": false, "recovery_codes_left": 0})
    );
    app.session("ann@shop.test", PASSWORD, None).await;
    assert_eq!(
        post("/disable", json!({"password": PASSWORD}))
            .await
            .status(),
        StatusCode::CONFLICT
    );

    let log = app.audit_actions(&ann).await;
    for action in [
        "two_factor.enable",
        "two_factor.recovery_codes",
        "two_factor.disable",
    ] {
        assert!(
            log.contains(&format!("ann@shop.test {action} ")),
            "{action} in {log:#?}"
        );
    }
}

#[tokio::test]
async fn without_a_two_factor_key_enrolment_is_refused() {
    let app = App::start(Harness::new().await).await;
    app.user("ann@shop.test", Role::Owner).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let status: Value = app
        .call(Method::GET, "/api/v1/admin/account/two-factor", None, &ann)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["available"], false);
    let (code, _, message) = error_code(
        app.call(
            Method::POST,
            "/api/v1/admin/account/two-factor",
            Some(json!({"password": PASSWORD})),
            &ann,
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert!(message.contains("two_factor_key"), "{message}");
}

#[tokio::test]
async fn an_operator_turns_off_a_lost_second_factor_on_sqlite() {
    an_operator_turns_off_a_lost_second_factor(Harness::new().await).await;
}

#[tokio::test]
async fn an_operator_turns_off_a_lost_second_factor_on_postgres() {
    an_operator_turns_off_a_lost_second_factor(postgres_harness().await).await;
}

/// `hark user two-factor-off`: for someone who lost their phone and their recovery codes.
async fn an_operator_turns_off_a_lost_second_factor(harness: Harness) {
    let app = App::start(harness.two_factor_key(KEY)).await;
    app.user("ann@shop.test", Role::Owner).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let path = "/api/v1/admin/account/two-factor";
    let started: Value = app
        .call(
            Method::POST,
            path,
            Some(json!({"password": PASSWORD})),
            &ann,
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = base32_decode(started["secret"].as_str().unwrap());
    let confirm = format!("{path}/confirm");
    let code = totp(&secret, app.now());
    let r = app
        .call(Method::POST, &confirm, Some(json!({ "code": code })), &ann)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.sign_in_response("ann@shop.test", PASSWORD, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let out = app.served.hark(&[
        "user",
        "two-factor-off",
        "--email",
        "Ann@Shop.Test",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!({"email": "ann@shop.test", "was_on": true, "sessions_ended": 1})
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/admin/me", None, &ann)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "her sessions ended"
    );
    let again = app.session("ann@shop.test", PASSWORD, None).await;
    let log = app.audit_actions(&again).await;
    assert!(
        log.contains(&"cli two_factor.disable ann@shop.test, 1 sessions ended".to_owned()),
        "{log:#?}"
    );
    let out = app
        .served
        .hark(&["user", "two-factor-off", "--email", "nobody@shop.test"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_removed_members_active_cases_go_back_to_the_team_on_sqlite() {
    a_removed_members_active_cases_go_back_to_the_team(Harness::new().await).await;
}

#[tokio::test]
async fn a_removed_members_active_cases_go_back_to_the_team_on_postgres() {
    a_removed_members_active_cases_go_back_to_the_team(postgres_harness().await).await;
}

/// A member who leaves the site leaves no case waiting on them: their active cases go to
/// nobody, each timeline saying why; a resolved one keeps who worked it; another member's
/// cases stay theirs.
async fn a_removed_members_active_cases_go_back_to_the_team(harness: Harness) {
    let app = App::start(harness).await;
    app.user("ann@shop.test", Role::Owner).await;
    let cat_id = app.user("cat@shop.test", Role::Agent).await;
    let dan_id = app.user("dan@shop.test", Role::Agent).await;
    let ann = app.session("ann@shop.test", PASSWORD, None).await;
    let log = |text: &str| {
        let (app, ann, text) = (&app, ann.clone(), text.to_owned());
        async move {
            let r = app
                .call(
                    Method::POST,
                    &app.site_path("complaints"),
                    Some(json!({"channel": "phone", "description": text})),
                    &ann,
                )
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let case_path = |id: &str| app.site_path(&format!("complaints/{id}"));
    let assign = |id: String, user: i64| {
        let (app, ann, path) = (&app, ann.clone(), case_path(&id));
        async move {
            let r = app
                .call(
                    Method::PUT,
                    &format!("{path}/assignee"),
                    Some(json!({ "user_id": user })),
                    &ann,
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        }
    };
    let (open, waiting, resolved, dans) = (
        log("The grinder stopped").await,
        log("Where is my refund").await,
        log("The lid was cracked").await,
        log("The parcel was late").await,
    );
    for id in [&open, &waiting, &resolved] {
        assign(id.clone(), cat_id).await;
    }
    assign(dans.clone(), dan_id).await;
    for (id, status) in [(&waiting, "waiting_on_customer"), (&resolved, "resolved")] {
        let r = app
            .call(
                Method::POST,
                &format!("{}/status", case_path(id)),
                Some(json!({ "status": status })),
                &ann,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{status}");
    }

    let removed = app
        .call(
            Method::DELETE,
            &app.site_path(&format!("members/{cat_id}")),
            None,
            &ann,
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    let view = |id: String| {
        let (app, ann, path) = (&app, ann.clone(), case_path(&id));
        async move {
            let r = app.call(Method::GET, &path, None, &ann).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    for id in [&open, &waiting] {
        let case = view(id.clone()).await;
        assert_eq!(case["complaint"]["assignee"], Value::Null, "{case}");
        let last = case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["kind"] == "assigned")
            .unwrap()
            .clone();
        assert_eq!(
            last["detail"], "cat@shop.test → nobody (left the team)",
            "{last}"
        );
    }
    let kept = view(resolved.clone()).await;
    assert_eq!(
        kept["complaint"]["assignee"]["email"], "cat@shop.test",
        "{kept}"
    );
    let dans = view(dans.clone()).await;
    assert_eq!(dans["complaint"]["assignee"]["id"], dan_id, "{dans}");
    // In the unassigned queue, with the status they had.
    let unassigned: Value = app
        .call(
            Method::GET,
            &app.site_path("complaints?status=active&assignee=none"),
            None,
            &ann,
        )
        .await
        .json()
        .await
        .unwrap();
    let mut statuses: Vec<&str> = unassigned["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["open", "waiting_on_customer"], "{unassigned}");
}
