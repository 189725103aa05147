//! Where the API token lives between reloads: `sessionStorage`, so that it is gone when the tab
//! closes and is never sent anywhere by the browser on its own (no cookies, no `localStorage`).
//! The site a session looks at is kept there too, so that a reload stays on it.

const KEY: &str = "hark.token";
const SITE_KEY: &str = "hark.site";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The token saved by an earlier sign-in in this tab, if any.
pub(crate) fn load() -> Option<String> {
    storage()?
        .get_item(KEY)
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
}

pub(crate) fn save(token: &str) {
    // Storage can be unavailable (private modes, quotas); the session then lasts until a reload.
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, token);
    }
}

pub(crate) fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
        let _ = s.remove_item(SITE_KEY);
    }
}

/// The site this tab's session looked at last, if any.
pub(crate) fn load_site() -> Option<shared::SiteKey> {
    let key = storage()?.get_item(SITE_KEY).ok().flatten()?;
    shared::SiteKey::parse(key).ok()
}

pub(crate) fn save_site(site: &shared::SiteKey) {
    if let Some(s) = storage() {
        let _ = s.set_item(SITE_KEY, site.as_str());
    }
}
