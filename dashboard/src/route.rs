//! Which page of a signed-in dashboard shows: the address's fragment (`#/inbox`,
//! `#/cases/{id}`, …), so that pages are plain links, the browser's Back works, and a case can
//! be bookmarked. The fragment never reaches the server.

use shared::{ResponseId, SurveyId};

/// A page of the signed-in dashboard.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Page {
    Inbox,
    /// `#/inbox/new`: a complaint the team logs for a customer.
    LogComplaint,
    /// `#/insight?days=…&segment=…`: scores, changes and trends.
    Insight(InsightFilter),
    Case(ResponseId),
    /// `#/responses?q=…&topic=…&segment=…&days=…`: the responses explorer.
    Responses(ExploreFilter),
    /// `#/goals`: the service goals and their progress.
    Goals,
    /// `#/surveys`: the site's surveys, their status and version, and the templates.
    Surveys,
    /// `#/surveys/new`, `#/surveys/new?template=SLUG`, `#/surveys/new?from=ID`: the builder
    /// with a new survey, blank, from a template or a copy of another.
    NewSurvey(SurveyStart),
    /// `#/surveys/{id}`: the builder with a saved survey.
    Survey(SurveyId),
    Problems,
    Problem(i64),
    Settings,
    /// `#/settings/hours`: when the SLA clocks run.
    BusinessHours,
    /// `#/settings/sla`: the targets per priority and the escalation ladder.
    SlaPolicies,
    /// `#/settings/hot-stove`: the rules that make a complaint urgent at once.
    HotStove,
    /// `#/settings/webhooks`: the endpoints events are delivered to, and their logs.
    Webhooks,
    /// `#/settings/notifications`: what the signed-in user is mailed.
    Notifications,
    /// `#/settings/sharing`: the share destinations and the e-mail intake address.
    Sharing,
    /// `#/settings/team`: the site's members, their roles, and invitations.
    Team,
    /// `#/settings/tokens`: the site's API tokens.
    Tokens,
    /// `#/settings/audit`: who changed what, and who signed in.
    Audit,
    /// `#/settings/site`: the snippet and whether it was seen, the origins, the widget's look,
    /// retention and erasure.
    SiteSettings,
    /// `#/settings/exports`: the site's data as files, downloaded with progress.
    Exports,
    /// `#/sites/new`: a new site, with its first survey.
    NewSite,
    /// `#/account`: the signed-in user's password, sessions and second factor.
    Account,
}

/// What a new survey in the builder starts as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SurveyStart {
    Blank,
    /// One of `shared::templates::templates()`, by its slug.
    Template(String),
    /// A copy of the site's survey with this id.
    Copy(SurveyId),
}

/// The sections of the navigation; every page belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Inbox,
    Insight,
    Responses,
    Surveys,
    Problems,
    Settings,
}

impl Section {
    pub(crate) const ALL: [Section; 6] = [
        Section::Inbox,
        Section::Insight,
        Section::Responses,
        Section::Surveys,
        Section::Problems,
        Section::Settings,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Section::Inbox => "Inbox",
            Section::Insight => "Insight",
            Section::Responses => "Responses",
            Section::Surveys => "Surveys",
            Section::Problems => "Problems",
            Section::Settings => "Settings",
        }
    }

    pub(crate) fn page(self) -> Page {
        match self {
            Section::Inbox => Page::Inbox,
            Section::Insight => Page::Insight(InsightFilter::default()),
            Section::Responses => Page::Responses(ExploreFilter::default()),
            Section::Surveys => Page::Surveys,
            Section::Problems => Page::Problems,
            Section::Settings => Page::Settings,
        }
    }
}

impl Page {
    /// The page a fragment names; the inbox for anything else.
    pub(crate) fn from_hash(hash: &str) -> Page {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let (first, rest) = path.split_once('/').unwrap_or((path, ""));
        match (first, rest) {
            ("insight", "") => Page::Insight(InsightFilter::from_query(query)),
            ("inbox", "new") => Page::LogComplaint,
            ("cases", id) => ResponseId::parse(id).map_or(Page::Inbox, Page::Case),
            ("responses", "") => Page::Responses(ExploreFilter::from_query(query)),
            ("goals", "") => Page::Goals,
            ("surveys", "") => Page::Surveys,
            ("surveys", "new") => Page::NewSurvey(SurveyStart::from_query(query)),
            ("surveys", id) => SurveyId::parse(id).map_or(Page::Surveys, Page::Survey),
            ("problems", "") => Page::Problems,
            ("problems", id) => id.parse().map_or(Page::Problems, Page::Problem),
            ("settings", "") => Page::Settings,
            ("settings", "hours") => Page::BusinessHours,
            ("settings", "sla") => Page::SlaPolicies,
            ("settings", "hot-stove") => Page::HotStove,
            ("settings", "webhooks") => Page::Webhooks,
            ("settings", "notifications") => Page::Notifications,
            ("settings", "sharing") => Page::Sharing,
            ("settings", "team") => Page::Team,
            ("settings", "tokens") => Page::Tokens,
            ("settings", "audit") => Page::Audit,
            ("settings", "site") => Page::SiteSettings,
            ("settings", "exports") => Page::Exports,
            ("sites", "new") => Page::NewSite,
            ("account", "") => Page::Account,
            ("settings", _) => Page::Settings,
            _ => Page::Inbox,
        }
    }

    pub(crate) fn href(&self) -> String {
        match self {
            Page::Inbox => "#/inbox".to_owned(),
            Page::LogComplaint => "#/inbox/new".to_owned(),
            Page::Insight(filter) => format!("#/insight?{}", filter.query()),
            Page::Case(id) => format!("#/cases/{id}"),
            Page::Responses(filter) => match filter.query() {
                q if q.is_empty() => "#/responses".to_owned(),
                q => format!("#/responses?{q}"),
            },
            Page::Goals => "#/goals".to_owned(),
            Page::Surveys => "#/surveys".to_owned(),
            Page::NewSurvey(SurveyStart::Blank) => "#/surveys/new".to_owned(),
            Page::NewSurvey(SurveyStart::Template(slug)) => {
                format!("#/surveys/new?{}", query_of("template", slug))
            }
            Page::NewSurvey(SurveyStart::Copy(id)) => format!("#/surveys/new?from={id}"),
            Page::Survey(id) => format!("#/surveys/{id}"),
            Page::Problems => "#/problems".to_owned(),
            Page::Problem(id) => format!("#/problems/{id}"),
            Page::Settings => "#/settings".to_owned(),
            Page::BusinessHours => "#/settings/hours".to_owned(),
            Page::SlaPolicies => "#/settings/sla".to_owned(),
            Page::HotStove => "#/settings/hot-stove".to_owned(),
            Page::Webhooks => "#/settings/webhooks".to_owned(),
            Page::Notifications => "#/settings/notifications".to_owned(),
            Page::Sharing => "#/settings/sharing".to_owned(),
            Page::Team => "#/settings/team".to_owned(),
            Page::Tokens => "#/settings/tokens".to_owned(),
            Page::Audit => "#/settings/audit".to_owned(),
            Page::SiteSettings => "#/settings/site".to_owned(),
            Page::Exports => "#/settings/exports".to_owned(),
            Page::NewSite => "#/sites/new".to_owned(),
            Page::Account => "#/account".to_owned(),
        }
    }

    /// The section of the navigation the page belongs to; the account's page belongs to none
    /// (it is the user's, not the site's).
    pub(crate) fn section(&self) -> Option<Section> {
        Some(match self {
            Page::Inbox | Page::LogComplaint | Page::Case(_) => Section::Inbox,
            Page::Insight(_) | Page::Goals => Section::Insight,
            Page::Responses(_) => Section::Responses,
            Page::Surveys | Page::NewSurvey(_) | Page::Survey(_) => Section::Surveys,
            Page::Problems | Page::Problem(_) => Section::Problems,
            Page::Settings
            | Page::BusinessHours
            | Page::SlaPolicies
            | Page::HotStove
            | Page::Webhooks
            | Page::Notifications
            | Page::Sharing
            | Page::Team
            | Page::Tokens
            | Page::Audit
            | Page::SiteSettings
            | Page::Exports
            | Page::NewSite => Section::Settings,
            Page::Account => return None,
        })
    }
}

impl SurveyStart {
    fn from_query(query: &str) -> Self {
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
            return SurveyStart::Blank;
        };
        if let Some(slug) = params.get("template").filter(|s| !s.is_empty()) {
            return SurveyStart::Template(slug);
        }
        params
            .get("from")
            .and_then(|id| SurveyId::parse(id).ok())
            .map_or(SurveyStart::Blank, SurveyStart::Copy)
    }
}

/// `name=value` escaped as a query string.
fn query_of(name: &str, value: &str) -> String {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return String::new();
    };
    params.append(name, value);
    params.to_string().into()
}

/// The insight page's period (days up to today) and segment (`dimension:value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsightFilter {
    pub(crate) days: u16,
    pub(crate) segment: Option<String>,
}

impl Default for InsightFilter {
    fn default() -> Self {
        InsightFilter {
            days: 90,
            segment: None,
        }
    }
}

impl InsightFilter {
    /// From a query string; what does not read is left at its default.
    fn from_query(query: &str) -> Self {
        let mut filter = InsightFilter::default();
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
            return filter;
        };
        if let Some(days) = params.get("days").and_then(|d| d.parse().ok()) {
            filter.days = days;
        }
        filter.segment = params.get("segment").filter(|s| s.contains(':'));
        filter
    }

    /// As a query string, escaped; the same the API takes.
    pub(crate) fn query(&self) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return String::new();
        };
        params.append("days", &self.days.to_string());
        if let Some(segment) = &self.segment {
            params.append("segment", segment);
        }
        params.to_string().into()
    }

    pub(crate) fn api_query(&self) -> String {
        self.query()
    }
}

/// The explorer's filters: words, a topic's word, a segment and a period (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExploreFilter {
    pub(crate) q: Option<String>,
    pub(crate) topic: Option<String>,
    pub(crate) segment: Option<String>,
    pub(crate) days: Option<u16>,
}

impl ExploreFilter {
    fn from_query(query: &str) -> Self {
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
            return ExploreFilter::default();
        };
        let text = |name: &str| params.get(name).filter(|v| !v.trim().is_empty());
        ExploreFilter {
            q: text("q"),
            topic: text("topic"),
            segment: text("segment").filter(|s| s.contains(':')),
            days: params.get("days").and_then(|d| d.parse().ok()),
        }
    }

    /// As a query string, escaped; the same the API takes.
    pub(crate) fn query(&self) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return String::new();
        };
        for (name, value) in [
            ("q", self.q.clone()),
            ("topic", self.topic.clone()),
            ("segment", self.segment.clone()),
            ("days", self.days.map(|d| d.to_string())),
        ] {
            if let Some(value) = value {
                params.append(name, &value);
            }
        }
        params.to_string().into()
    }
}

/// The token of an invitation's link, when the fragment is one (`#/invite/TOKEN`): that page
/// opens signed out too, so it is not one of the signed-in [`Page`]s.
pub(crate) fn invitation_token(hash: &str) -> Option<String> {
    let path = hash.trim_start_matches('#').trim_start_matches('/');
    let token = path.strip_prefix("invite/")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The invitation link's token in the address now, if it is one.
pub(crate) fn current_invitation() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    invitation_token(&hash)
}

/// Replaces the address's fragment without a new history entry (no `hashchange`): so that a
/// spent invitation's token is not left in the history.
pub(crate) fn replace(page: &Page) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page.href()));
    }
}

/// The page the address names now.
pub(crate) fn current() -> Page {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Page::from_hash(&hash)
}

/// Goes to `page`, as following its link would (the `hashchange` listener shows it).
pub(crate) fn go(page: &Page) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&page.href());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn fragments_name_pages_and_round_trip() {
        let id = ResponseId::parse("0190a0c2-7b6e-7d3f-9a55-3c1f2e4d5a6b").unwrap();
        let pages = [
            Page::Inbox,
            Page::Insight(InsightFilter::default()),
            Page::Insight(InsightFilter {
                days: 30,
                segment: Some("page:/checkout & more".to_owned()),
            }),
            Page::Case(id),
            Page::Responses(ExploreFilter::default()),
            Page::Responses(ExploreFilter {
                q: Some("late & \"broken\"".to_owned()),
                topic: Some("delivery".to_owned()),
                segment: Some("device:mobile".to_owned()),
                days: Some(30),
            }),
            Page::Goals,
            Page::Surveys,
            Page::NewSurvey(SurveyStart::Blank),
            Page::NewSurvey(SurveyStart::Template("nps-follow-ups".to_owned())),
            Page::NewSurvey(SurveyStart::Copy(SurveyId::parse("exit").unwrap())),
            Page::Survey(SurveyId::parse("nps").unwrap()),
            Page::LogComplaint,
            Page::Problems,
            Page::Problem(7),
            Page::Settings,
            Page::BusinessHours,
            Page::SlaPolicies,
            Page::HotStove,
            Page::Webhooks,
            Page::Notifications,
            Page::Sharing,
            Page::Team,
            Page::Tokens,
            Page::Audit,
            Page::SiteSettings,
            Page::Exports,
            Page::NewSite,
            Page::Account,
        ];
        for page in pages {
            assert_eq!(Page::from_hash(&page.href()), page, "{}", page.href());
        }
        assert_eq!(Page::from_hash(""), Page::Inbox);
        assert_eq!(Page::from_hash("#/cases/not-an-id"), Page::Inbox);
        assert_eq!(Page::from_hash("#/problems/x"), Page::Problems);
        assert_eq!(Page::from_hash("#/elsewhere"), Page::Inbox);
        assert_eq!(Page::from_hash("#/surveys/not an id"), Page::Surveys);
        assert_eq!(
            Page::Survey(SurveyId::parse("nps").unwrap()).section(),
            Some(Section::Surveys)
        );
        assert_eq!(Page::from_hash("#/settings/nothing"), Page::Settings);
        assert_eq!(Page::Account.section(), None);
        assert_eq!(Page::Team.section(), Some(Section::Settings));
        // An invitation's link is not a signed-in page, but its own screen.
        let token = "0f".repeat(32);
        assert_eq!(
            invitation_token(&format!("#/invite/{token}")),
            Some(token.clone())
        );
        assert_eq!(Page::from_hash(&format!("#/invite/{token}")), Page::Inbox);
        assert_eq!(invitation_token("#/invite/"), None);
        assert_eq!(invitation_token("#/inbox"), None);
    }
}
