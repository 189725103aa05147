//! What the customer sees of their case: the public part of its timeline, and where it is in
//! their words and language.

use super::rating::may_rate;
use super::words::words;
use crate::clock::rfc3339;
use crate::store::case_store::StoredEntry;
use crate::store::{StoredComplaint, StoredRating};
use shared::case::{EntryKind, PublicCase, PublicEntry, Status};
use shared::Survey;

/// The language of the page: the one asked for (`?lang=`), else the one the customer used
/// when they filed the case, else their browser's first, else English.
pub fn language(
    requested: Option<&str>,
    filed_in: Option<&str>,
    accept_language: Option<&str>,
) -> &'static str {
    let browser = accept_language
        .and_then(|a| a.split(',').next())
        .map(|t| t.split(';').next().unwrap_or_default().trim());
    [requested, filed_in, browser]
        .into_iter()
        .flatten()
        .map(|l| {
            l.split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
        .find_map(|l| shared::i18n::LANGS.into_iter().find(|known| *known == l))
        .unwrap_or("en")
}

/// `case` as its customer sees it, in `lang`, with the resolution `survey` while the case waits
/// for its rating.
pub fn public_case(
    case: &StoredComplaint,
    timeline: &[StoredEntry],
    ratings: &[StoredRating],
    survey: Survey,
    lang: &'static str,
) -> PublicCase {
    let w = words(lang);
    PublicCase {
        reference: crate::complaints::reference::reference(case.number),
        status: case.status,
        state: w.state(case.status).to_owned(),
        lang: lang.to_owned(),
        timeline: public_entries(&case.description, timeline, lang),
        can_reply: !matches!(case.status, Status::Closed | Status::Merged | Status::Spam),
        rating: may_rate(case.status, case.resolved_at, ratings)
            .is_ok()
            .then(|| survey.localized(lang)),
    }
}

/// The public part of a timeline: the report (`description`), the team's public replies, the
/// customer's replies, status changes (without the reasons the team gave) and ratings. Nothing
/// says who in the team did what.
pub fn public_entries(description: &str, timeline: &[StoredEntry], lang: &str) -> Vec<PublicEntry> {
    let w = words(lang);
    let mut entries = Vec::new();
    for e in timeline {
        let mut entry = PublicEntry {
            at: rfc3339(e.at),
            kind: e.kind,
            body: None,
            status: None,
            state: None,
            detail: None,
        };
        match e.kind {
            EntryKind::Received => entry.body = Some(description.to_owned()),
            EntryKind::PublicReply | EntryKind::CustomerReply => entry.body = e.body.clone(),
            EntryKind::StatusChanged => {
                // `open → in_progress`; the reason given stays with the team.
                let Some(to) = e
                    .detail
                    .as_deref()
                    .and_then(|d| d.rsplit('→').next())
                    .and_then(|s| Status::parse(s.trim()))
                else {
                    continue;
                };
                entry.status = Some(to);
                entry.state = Some(w.state(to).to_owned());
            }
            EntryKind::Rated => {
                entry.body = e.body.clone();
                entry.detail = e.detail.clone();
            }
            _ => continue,
        }
        entries.push(entry);
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::Actor;

    fn entry(
        kind: EntryKind,
        actor: Actor,
        body: Option<&str>,
        detail: Option<&str>,
    ) -> StoredEntry {
        StoredEntry {
            id: 1,
            at: 0,
            kind,
            actor,
            body: body.map(str::to_owned),
            detail: detail.map(str::to_owned),
        }
    }

    #[test]
    fn the_customer_sees_replies_and_changes_but_nothing_internal() {
        let agent = Actor::User {
            id: 7,
            email: "agent@shop.example".into(),
        };
        let timeline = vec![
            entry(EntryKind::Received, Actor::Customer, None, None),
            entry(
                EntryKind::Categorized,
                Actor::Rule {
                    name: "refund".into(),
                },
                None,
                Some("matched 'refund'"),
            ),
            entry(
                EntryKind::Assigned,
                agent.clone(),
                None,
                Some("to agent@shop.example"),
            ),
            entry(
                EntryKind::InternalNote,
                agent.clone(),
                Some("They ordered twice, secret"),
                None,
            ),
            entry(
                EntryKind::PublicReply,
                agent.clone(),
                Some("We refunded you."),
                None,
            ),
            entry(
                EntryKind::StatusChanged,
                agent.clone(),
                Some("internal reason"),
                Some("open → waiting_on_customer"),
            ),
            entry(
                EntryKind::CustomerReply,
                Actor::Customer,
                Some("Thanks!"),
                Some("recorded by agent@shop.example"),
            ),
            entry(EntryKind::Merged, agent.clone(), None, Some("into HK-0002")),
            entry(
                EntryKind::SlaBreached,
                Actor::System,
                None,
                Some("first response"),
            ),
            entry(
                EntryKind::Rated,
                Actor::Customer,
                Some("Fast"),
                Some("satisfaction 5/5"),
            ),
        ];
        let public = public_entries("I was charged twice", &timeline, "de");
        let kinds: Vec<EntryKind> = public.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Received,
                EntryKind::PublicReply,
                EntryKind::StatusChanged,
                EntryKind::CustomerReply,
                EntryKind::Rated
            ]
        );
        assert_eq!(public[0].body.as_deref(), Some("I was charged twice"));
        assert_eq!(public[2].status, Some(Status::WaitingOnCustomer));
        assert_eq!(public[2].state.as_deref(), Some("Wartet auf Ihre Antwort"));
        assert_eq!(public[2].body, None);
        assert_eq!(public[3].detail, None);
        assert_eq!(public[4].detail.as_deref(), Some("satisfaction 5/5"));
        let json = serde_json::to_string(&public).unwrap();
        for secret in [
            "agent@shop.example",
            "secret",
            "internal reason",
            "HK-0002",
            "matched",
        ] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
    }

    #[test]
    fn the_page_speaks_the_customers_language() {
        assert_eq!(language(Some("ar"), Some("de-DE"), Some("fr")), "ar");
        assert_eq!(language(Some("it"), Some("de-DE"), Some("fr")), "de");
        assert_eq!(language(None, None, Some("pt-BR,pt;q=0.9,en;q=0.8")), "pt");
        assert_eq!(language(None, Some("zz"), Some("ja;q=0.5")), "ja");
        assert_eq!(language(None, None, None), "en");
        assert_eq!(language(Some("ES_mx"), None, None), "es");
    }
}
