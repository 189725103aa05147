//! Sharing with the teams that can act on it: a site's named destinations (the product team, billing),
//! each an e-mail address, the `feedback.shared` webhook event, or both; and what sharing a case
//! with one does: a `feedback.shared` outbox event (mailed to the destination's address, and
//! delivered to the webhooks that take it) and a timeline entry, with the team's private note.

use super::intake::NewEntry;
use crate::store::case_store::{NewEvent, StoredComplaint};
use serde::{Deserialize, Serialize};
use shared::case::{Actor, EntryKind};

/// The most destinations a site has.
pub const MAX_DESTINATIONS: usize = 20;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 2000;

/// A site's destinations (`GET`/`PUT …/share-destinations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destinations {
    pub destinations: Vec<Destination>,
}

/// Where a share goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// 1 to 60 characters, unique on the site.
    pub name: String,
    /// An address the summary is mailed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Also delivered as the `feedback.shared` webhook event.
    #[serde(default)]
    pub webhook: bool,
}

/// A request to share: the destination's name, and the team's private note.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    pub destination: String,
    #[serde(default)]
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

/// Sharing `case` with `destination`: the timeline entry, and the `feedback.shared` event whose
/// data names the destination, the case (reference, status, priority, category, description
/// and a link for the team) and the note.
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
    let event = NewEvent::new(
        "feedback.shared",
        &serde_json::json!({
            "site_key": site,
            "destination": destination,
            "complaint": {
                "id": case.id,
                "reference": super::reference::reference(case.number),
                "status": case.status,
                "priority": case.priority,
                "category": case.category,
                "description": case.description,
                "channel": case.channel,
            },
            "link": link,
            "note": note,
        }),
    );
    (entry, event)
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
