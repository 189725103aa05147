//! The signed-in dashboard's frame: the site, the navigation, and the page the address names.

use crate::account::AccountPage;
use crate::api::{Auth, CaseQuery, SiteApi};
use crate::app::Session;
use crate::audit::AuditPage;
use crate::case::CasePage;
use crate::exports::ExportsPage;
use crate::goals::GoalsPage;
use crate::hot_stove::HotStovePage;
use crate::hours::BusinessHoursPage;
use crate::inbox::Inbox;
use crate::insight::InsightPage;
use crate::new_site::NewSitePage;
use crate::notifications::NotificationsPage;
use crate::policies::SlaPoliciesPage;
use crate::problems::{ProblemPage, Problems};
use crate::responses::Responses;
use crate::route::{self, Page, Section};
use crate::settings::Settings;
use crate::sharing::SharingPage;
use crate::site_settings::SiteSettingsPage;
use crate::team::TeamPage;
use crate::tokens::TokensPage;
use crate::webhooks::WebhooksPage;
use leptos::prelude::*;
use shared::api::Account;

/// What a role may do on a site, as the collector enforces it; the dashboard hides or disables
/// what the signed-in role cannot do rather than let the server refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Viewer,
    Agent,
    Admin,
    Owner,
}

impl Role {
    /// An unknown role is treated as the least one.
    pub(crate) fn parse(role: &str) -> Role {
        match role {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "agent" => Role::Agent,
            _ => Role::Viewer,
        }
    }

    /// Replies, notes, status, priority, category, problems, merges, taking a case.
    pub(crate) fn works_cases(self) -> bool {
        self >= Role::Agent
    }

    /// Assigning others, the workflow and the categories; the team, API tokens and the audit
    /// log.
    pub(crate) fn configures(self) -> bool {
        self >= Role::Admin
    }

    /// Every role, least first.
    pub(crate) const ALL: [Role; 4] = [Role::Viewer, Role::Agent, Role::Admin, Role::Owner];

    /// The role's word on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// The role, for people.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Agent => "Agent",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }

    /// The roles this one may give (to a member, an invitation or a token): its own and those
    /// below, as `(value, label)` options, highest first.
    pub(crate) fn grantable(self) -> Vec<(String, String)> {
        Role::ALL
            .into_iter()
            .rev()
            .filter(|r| *r <= self)
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect()
    }
}

/// The signed-in admin on one site, as every page reads it from the context.
#[derive(Debug, Clone)]
pub(crate) struct Desk {
    pub(crate) api: SiteApi,
    pub(crate) role: Role,
    /// The account's e-mail address; `None` for an API token.
    pub(crate) email: Option<String>,
    /// The inbox's filters, kept while a case is open so that "Back to inbox" finds them.
    pub(crate) inbox_query: RwSignal<CaseQuery>,
    /// Called when the session ended from this page (signing out everywhere), with what to say
    /// on the sign-in screen.
    pub(crate) session_ended: Callback<String>,
    /// Whether the signed-in user may create sites: a session whose user owns a site.
    pub(crate) creates_sites: bool,
    /// Called with a site the user just created, to look at it.
    pub(crate) site_created: Callback<shared::SiteKey>,
}

impl Desk {
    pub(crate) fn expect() -> Desk {
        expect_context::<Desk>()
    }
}

/// The signed-in screen: a header with the site, the navigation and the account's buttons,
/// and the one `<main>` with the current page.
///
/// - `session`: the admin, how they signed in, and the site.
/// - `on_sign_out`: called when the admin signs out, with the credential to end.
/// - `on_switch_site`: called to pick another of a session's sites.
/// - `on_session_ended`: called when the session was ended from a page (signing out
///   everywhere), with what to tell the user.
/// - `on_site_created`: called with a site the user created, to switch to it.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Shell(
    session: Session,
    #[prop(into)] on_sign_out: Callback<Auth>,
    #[prop(into)] on_switch_site: Callback<Account>,
    #[prop(into)] on_session_ended: Callback<String>,
    #[prop(into)] on_site_created: Callback<shared::SiteKey>,
) -> impl IntoView {
    let Session {
        auth,
        site,
        account,
    } = session;
    provide_context(Desk {
        api: SiteApi {
            auth: auth.clone(),
            site: site.site_key.clone(),
        },
        role: Role::parse(&site.role),
        email: account.as_ref().map(|a| a.email.clone()),
        inbox_query: RwSignal::new(CaseQuery {
            status: "active".to_owned(),
            sort: "newest".to_owned(),
            ..CaseQuery::default()
        }),
        session_ended: on_session_ended,
        creates_sites: account
            .as_ref()
            .is_some_and(|a| a.sites.iter().any(|s| s.role == "owner")),
        site_created: on_site_created,
    });

    crate::live::provide(&Desk::expect().api);

    let (page, set_page) = signal(route::current());
    let listener = window_event_listener_untyped("hashchange", move |_| {
        let next = route::current();
        if page.get_untracked() != next {
            set_page.set(next);
        }
    });
    on_cleanup(move || listener.remove());

    let who = account.as_ref().map(|a| a.email.clone());
    let switch = account.filter(|a| a.sites.len() > 1).map(|account| {
        view! {
            <button
                type="button"
                class="switch-site"
                on:click=move |_| on_switch_site.run(account.clone())
            >
                "Sites"
            </button>
        }
    });
    let links = Section::ALL
        .into_iter()
        .map(|section| {
            let current = move || (page.get().section() == Some(section)).then_some("page");
            view! {
                <li>
                    <a href=section.page().href() aria-current=current>
                        {section.label()}
                    </a>
                </li>
            }
        })
        .collect_view();

    view! {
        <header class="bar">
            <h1 class="site-name">{site.site_name}</h1>
            <span class="role">{site.role}</span>
            {who
                .map(|email| {
                    let current = move || (page.get() == Page::Account).then_some("page");
                    view! {
                        <a
                            class="who"
                            href=Page::Account.href()
                            aria-current=current
                            title="Your account: password, sessions, two-factor sign-in"
                        >
                            {email}
                        </a>
                    }
                })}
            <nav class="sections" aria-label="Dashboard">
                <ul>{links}</ul>
            </nav>
            <span class="spacer"></span>
            {switch}
            <button
                type="button"
                class="sign-out"
                on:click=move |_| on_sign_out.run(auth.clone())
            >
                "Sign out"
            </button>
        </header>
        <crate::live::Announcer />
        <main class="page">
            {move || match page.get() {
                Page::Inbox => view! { <Inbox /> }.into_any(),
                Page::Insight(filter) => view! { <InsightPage filter /> }.into_any(),
                Page::Case(id) => view! { <CasePage id /> }.into_any(),
                Page::Responses(filter) => view! { <Responses filter /> }.into_any(),
                Page::Goals => view! { <GoalsPage /> }.into_any(),
                Page::Surveys => view! { <crate::surveys::SurveysPage /> }.into_any(),
                Page::NewSurvey(start) => view! { <crate::builder::NewSurveyPage start /> }.into_any(),
                Page::Survey(id) => view! { <crate::builder::SurveyPage id /> }.into_any(),
                Page::LogComplaint => view! { <crate::log_complaint::LogComplaintPage /> }.into_any(),
                Page::Problems => view! { <Problems /> }.into_any(),
                Page::Problem(id) => view! { <ProblemPage id /> }.into_any(),
                Page::Settings => view! { <Settings /> }.into_any(),
                Page::BusinessHours => view! { <BusinessHoursPage /> }.into_any(),
                Page::SlaPolicies => view! { <SlaPoliciesPage /> }.into_any(),
                Page::HotStove => view! { <HotStovePage /> }.into_any(),
                Page::Webhooks => view! { <WebhooksPage /> }.into_any(),
                Page::Notifications => view! { <NotificationsPage /> }.into_any(),
                Page::Sharing => view! { <SharingPage /> }.into_any(),
                Page::Team => view! { <TeamPage /> }.into_any(),
                Page::Tokens => view! { <TokensPage /> }.into_any(),
                Page::Audit => view! { <AuditPage /> }.into_any(),
                Page::SiteSettings => view! { <SiteSettingsPage /> }.into_any(),
                Page::Exports => view! { <ExportsPage /> }.into_any(),
                Page::NewSite => view! { <NewSitePage /> }.into_any(),
                Page::Account => view! { <AccountPage /> }.into_any(),
            }}
        </main>
    }
}
