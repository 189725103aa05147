//! Sharing with the teams that can act on it: a site's named destinations (the product team, billing),
//! each an e-mail address, the `feedback.shared` webhook event, or both; and what sharing a case
//! with one does: a `feedback.shared` outbox event (mailed to the destination's address, and
//! delivered to the webhooks that take it) and a timeline entry, with the team's private note.

use super::intake::NewEntry;
use crate::store::case_store::{NewEvent, ProblemRecord, StoredComplaint};
use serde::{Deserialize, Serialize};
use shared::case::{Actor, EntryKind};

/// The most destinations a site has.
pub const MAX_DESTINATIONS: usize = 20;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 2000;

/// A site's destinations (`GET`/`PUT …/share-destinations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Destinations {
    #[schema(max_items = 20)]
    pub destinations: Vec<Destination>,
}

/// Where a share goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// 1 to 60 characters, unique on the site.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub name: String,
    /// An address the summary is mailed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 320, pattern = r"^(\S.*)?@(.*\S)?$")]
    pub email: Option<String>,
    /// Also delivered as the `feedback.shared` webhook event.
    #[serde(default)]
    pub webhook: bool,
}

/// A request to share: the destination's name, and the team's private note.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    #[schema(min_length = 1, max_length = 60)]
    pub destination: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// What is wrong with `d`, as `(field, message)`; empty when it can be stored.
pub fn problems(d: &Destinations) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if d.destinations.len() > MAX_DESTINATIONS {
        out.push((
            "destinations".to_owned(),
            format!("at most {MAX_DESTINATIONS}"),
        ));
    }
    for (i, dest) in d.destinations.iter().enumerate() {
        let field = |f: &str| format!("destinations[{i}].{f}");
        let name = dest.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            out.push((field("name"), "1 to 60 characters".to_owned()));
        } else if d.destinations[..i].iter().any(|o| o.name.trim() == name) {
            out.push((field("name"), format!("{name:?} is named twice")));
        }
        match &dest.email {
            Some(e) if !e.contains('@') || e.chars().count() > 320 || e.trim() != e => {
                out.push((field("email"), "an e-mail address".to_owned()));
            }
            None if !dest.webhook => out.push((
                field("email"),
                "an e-mail address, or `webhook: true`, or both".to_owned(),
            )),
            _ => {}
        }
    }
    out
}

impl Sharing {
    /// The destination named and the note (blank is none), or why they cannot be used.
    pub fn pick<'a>(
        &self,
        all: &'a Destinations,
    ) -> Result<(&'a Destination, Option<String>), String> {
        let note = self.note.clone().filter(|n| !n.trim().is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
            return Err(format!("a note is at most {MAX_NOTE} characters"));
        }
        let Some(dest) = all.destinations.iter().find(|d| d.name == self.destination) else {
            let names: Vec<&str> = all.destinations.iter().map(|d| d.name.as_str()).collect();
            return Err(if names.is_empty() {
                "the site has no share destinations: an admin sets them first".to_owned()
            } else {
                format!(
                    "no destination is called {:?}; the site's are {}",
                    self.destination,
                    names.join(", ")
                )
            });
        };
        Ok((dest, note))
    }
}

/// What is shared: a case, a problem record, or a topic of the written answers.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Case(&'a StoredComplaint),
    Problem(&'a ProblemRecord),
    Topic(&'a shared::insight::Topic),
}

/// The `feedback.shared` event of sharing `subject` with `destination`: its data names the
/// destination, the subject (a case's reference, status, priority, category, description and
/// channel; a problem's record and counts; a topic's counts, sentiment, pull on NPS and
/// example answers), a link for the team and the note.
pub fn event(
    site: &shared::SiteKey,
    subject: Subject<'_>,
    destination: &Destination,
    note: Option<&str>,
    link: &str,
) -> NewEvent {
    let (key, what) = match subject {
        Subject::Case(case) => (
            "complaint",
            serde_json::json!({
                "id": case.id,
                "reference": super::reference::reference(case.number),
                "status": case.status,
                "priority": case.priority,
                "category": case.category,
                "description": case.description,
                "channel": case.channel,
            }),
        ),
        Subject::Problem(p) => (
            "problem",
            serde_json::json!({
                "id": p.id,
                "title": p.title,
                "category": p.category,
                "status": p.status,
                "root_cause": p.root_cause,
                "workaround": p.workaround,
                "fix": p.fix,
                "linked": p.linked,
                "linked_active": p.linked_active,
            }),
        ),
        Subject::Topic(t) => (
            "topic",
            serde_json::json!({
                "term": t.term,
                "answers": t.n,
                "share": t.share,
                "sentiment": t.sentiment,
                "negative": t.negative,
                // The NPS of the answers that mention it, and of the other written ones.
                "nps_with": t.nps.as_ref().and_then(|d| d.with.value),
                "nps_without": t.nps.as_ref().and_then(|d| d.without.value),
                "emerging": t.emerging.is_some(),
                "examples": t.examples.iter().map(|e| &e.text).collect::<Vec<_>>(),
            }),
        ),
    };
    let mut data = serde_json::json!({
        "site_key": site,
        "destination": destination,
        "link": link,
        "note": note,
    });
    data[key] = what;
    let event = NewEvent::new("feedback.shared", &data);
    if destination.webhook {
        event
    } else {
        event.mail_only()
    }
}

/// Sharing `case` with `destination`: the timeline entry, and the `feedback.shared` event.
pub fn share(
    site: &shared::SiteKey,
    case: &StoredComplaint,
    destination: &Destination,
    note: Option<&str>,
    by: &Actor,
    link: &str,
) -> (NewEntry, NewEvent) {
    let entry = NewEntry {
        kind: EntryKind::InternalNote,
        actor: by.clone(),
        body: note.map(str::to_owned),
        detail: Some(format!("shared with {}", destination.name)),
    };
    (
        entry,
        event(site, Subject::Case(case), destination, note, link),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(name: &str, email: Option<&str>, webhook: bool) -> Destination {
        Destination {
            name: name.into(),
            email: email.map(Into::into),
            webhook,
        }
    }

    #[test]
    fn destinations_are_checked_each_by_its_field() {
        let good = Destinations {
            destinations: vec![
                d("Product team", Some("product@shop.test"), false),
                d("Billing", None, true),
            ],
        };
        assert!(problems(&good).is_empty());
        let bad = Destinations {
            destinations: vec![
                d("", Some("a@b"), false),
                d("Billing", None, false),
                d("Billing", Some("not an address"), true),
            ],
        };
        let fields: Vec<String> = problems(&bad).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "destinations[0].name",
                "destinations[1].email",
                "destinations[2].name",
                "destinations[2].email"
            ]
        );
    }
}
