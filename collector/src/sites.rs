//! Making sites and placing them on the web, with no HTTP inside: who may create a site, a
//! site's name and allowed origins as the team types them, and a new site with its first
//! survey and its owner.
//!
//! Who may create a site: a signed-in user who is an owner of at least one site. The first user
//! (the setup link) owns every site, so on a fresh collector that is its operator; owners are
//! those trusted with a site whole (its team, its tokens, its data), so they may start another.
//! An API token belongs to one site and creates none. The creator becomes the new site's owner.

use crate::access::Role;
use crate::clock::Millis;
use crate::store::{normalize_origin, Grant, Site, Store, StoreResult, SurveyStatus};
use shared::Survey;

/// The most origins a site allows.
pub const MAX_ORIGINS: usize = 50;
/// The longest site name, in characters.
pub const MAX_NAME: usize = 200;

/// Whether a user with `grants` may create a site: an owner of at least one.
pub fn may_create_site(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role == Role::Owner)
}

/// A site's name as typed: trimmed, 1 to [`MAX_NAME`] characters.
pub fn site_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(format!("a site's name is 1 to {MAX_NAME} characters"));
    }
    Ok(name.to_owned())
}

/// A site's allowed origins as typed: each normalized (`scheme://host[:port]`), blanks left
/// out, each kept once; 1 to [`MAX_ORIGINS`] of them. A refusal names each bad entry by its
/// place (`origins[1]: …`), or `origins` as a whole.
pub fn origins(typed: &[String]) -> Result<Vec<String>, Vec<(String, String)>> {
    let mut kept: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for (i, origin) in typed.iter().enumerate() {
        if origin.trim().is_empty() {
            continue;
        }
        match normalize_origin(origin.trim()) {
            Ok(o) if !kept.contains(&o) => kept.push(o),
            Ok(_) => {}
            Err(e) => problems.push((format!("origins[{i}]"), e)),
        }
    }
    if problems.is_empty() && kept.is_empty() {
        problems.push((
            "origins".to_owned(),
            "at least one origin, such as https://shop.example".to_owned(),
        ));
    }
    if kept.len() > MAX_ORIGINS {
        problems.push((
            "origins".to_owned(),
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    if problems.is_empty() {
        Ok(kept)
    } else {
        Err(problems)
    }
}

/// Problems as a 422's message says them: `path: message; path: message`.
pub fn say(problems: &[(String, String)]) -> String {
    problems
        .iter()
        .map(|(path, message)| format!("{path}: {message}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A new site's first survey, checked, and whether it starts active or paused.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstSurvey {
    pub survey: Survey,
    pub status: SurveyStatus,
}

/// Creates a site owned by `owner` (with the store's `create_owned_site`, which gives it the
/// default NPS survey and its owner in one transaction). With a first survey, that survey then
/// takes the default's place: it replaces it when it has the default's id, else it is added and
/// the default archived; should that fail, the site is there all the same, owned and with the
/// default survey.
pub async fn create(
    store: &dyn Store,
    name: &str,
    origins: &[String],
    first: Option<&FirstSurvey>,
    owner: i64,
    now: Millis,
) -> StoreResult<Site> {
    let site = store.create_owned_site(name, origins, owner, now).await?;
    if let Some(first) = first {
        let default = crate::store::default_survey(name).id;
        if first.survey.id == default {
            store.update_survey(&site.key, &first.survey, now).await?;
        } else {
            store
                .create_survey(&site.key, &first.survey, first.status, now)
                .await?;
            store
                .set_survey_status(&site.key, &default, SurveyStatus::Archived)
                .await?;
        }
        store
            .set_survey_status(&site.key, &first.survey.id, first.status)
            .await?;
    }
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::SiteKey;

    fn grant(role: Role) -> Grant {
        Grant {
            site: Site {
                key: SiteKey::parse("shop0123456789ab").unwrap(),
                name: "Shop".into(),
                origins: Vec::new(),
            },
            role,
        }
    }

    #[test]
    fn only_an_owner_of_a_site_creates_sites() {
        assert!(!may_create_site(&[]));
        assert!(!may_create_site(&[grant(Role::Admin), grant(Role::Viewer)]));
        assert!(may_create_site(&[grant(Role::Viewer), grant(Role::Owner)]));
    }

    #[test]
    fn names_and_origins_are_checked_each_by_its_place() {
        assert_eq!(site_name("  Blog "), Ok("Blog".to_owned()));
        assert!(site_name(" ").is_err());
        assert!(site_name(&"x".repeat(201)).is_err());
        let typed = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            origins(&typed(&[
                "https://Shop.Example/",
                "",
                "https://shop.example"
            ])),
            Ok(vec!["https://shop.example".to_owned()])
        );
        let refused =
            origins(&typed(&["https://shop.example", "shop.example", "ftp://x"])).unwrap_err();
        let paths: Vec<&str> = refused.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["origins[1]", "origins[2]"]);
        assert!(say(&refused).starts_with("origins[1]: "));
        assert_eq!(origins(&typed(&[" "])).unwrap_err()[0].0, "origins");
        let many: Vec<String> = (0..51).map(|i| format!("https://s{i}.example")).collect();
        assert_eq!(origins(&many).unwrap_err()[0].0, "origins");
    }
}
