//! The files that came with a case's e-mails: listed for everyone who sees the case, fetched for
//! those who work cases (agents and up, as the collector allows) and saved from a `blob:` URL,
//! never opened in the dashboard's page.

use crate::api::{Auth, SiteApi};
use crate::shell::Desk;
use leptos::prelude::*;
use shared::case::{Attachment, CaseView};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCredentials, RequestInit, Response};

/// The case's files, each with its type and size, and a way to save it.
///
/// - `current`: the case as last loaded.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Attachments(current: RwSignal<CaseView>) -> impl IntoView {
    let desk = Desk::expect();
    let works = desk.role.works_cases();
    let files = move || current.with(|v| v.attachments.clone());
    let id = move || current.with(|v| v.complaint.id);
    move || {
        let files = files();
        if files.is_empty() {
            return None;
        }
        let api = desk.api.clone();
        let items = files
            .into_iter()
            .map(|f| view! { <File file=f api=api.clone() case_id=id().to_string() works /> })
            .collect_view();
        Some(view! {
            <section class="panel control attachments">
                <h3>"Files from e-mail"</h3>
                <ul>{items}</ul>
            </section>
        })
    }
}

/// One file: its name, type and size; for those who work cases, "Download", then "Save".
#[component]
fn File(file: Attachment, api: SiteApi, case_id: String, works: bool) -> impl IntoView {
    let (saved, set_saved) = signal(None::<Result<String, String>>);
    let path = format!(
        "/api/v1/admin/sites/{}/complaints/{case_id}/attachments/{}",
        api.site, file.id
    );
    let fetch = move |_| {
        let (auth, path) = (api.auth.clone(), path.clone());
        leptos::task::spawn_local(async move {
            set_saved.set(Some(object_url(&auth, &path).await));
        });
    };
    let name = file.filename.clone();
    view! {
        <li>
            <span class="filename">{file.filename.clone()}</span>
            " "
            <span class="muted">{file.content_type.clone()} ", " {size(file.size)}</span>
            " "
            {move || match saved.get() {
                Some(Ok(href)) => view! {
                    <a class="download" href=href download=name.clone()>"Save"</a>
                }
                .into_any(),
                Some(Err(message)) => view! { <span class="error" role="alert">{message}</span> }.into_any(),
                None if works => view! {
                    <button type="button" class="secondary" on:click=fetch.clone()>"Download"</button>
                }
                .into_any(),
                None => ().into_any(),
            }}
        </li>
    }
}

/// A size as people read it.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Fetches `path` as the signed-in admin; a `blob:` URL of its bytes to save.
async fn object_url(auth: &Auth, path: &str) -> Result<String, String> {
    let failed = |_| "the file could not be fetched; try again".to_owned();
    let window = web_sys::window().ok_or("no browser window")?;
    let headers = Headers::new().map_err(failed)?;
    if let Auth::Token(token) = auth {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(failed)?;
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(RequestCredentials::SameOrigin);
    let request = Request::new_with_str_and_init(path, &init).map_err(failed)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("the collector answered {}", response.status()));
    }
    let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(failed)?)
        .await
        .and_then(|b| b.dyn_into())
        .map_err(failed)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)
}
