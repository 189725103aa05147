//! The enrich step of ingest: what an answer is stored with besides itself. The page's path,
//! the device class and browser family from the `User-Agent`, the visitor's locale, and a
//! salted visitor hash. The client's address goes into the hash and nowhere else.

use crate::clock::Millis;
use sha2::{Digest, Sha256};

const DAY_MS: Millis = 24 * 60 * 60 * 1000;
/// Hex digits kept of a visitor hash: 64 bits, plenty to tell one day's visitors apart.
const VISITOR_HEX: usize = 16;
const MAX_LOCALE: usize = 35;
/// The longest attribute value (`hark('identify', id, attrs)`), in characters.
pub const MAX_ATTRIBUTE_VALUE: usize = 200;
pub const MAX_USER_ID: usize = 200;
pub const MAX_EMAIL: usize = 320;

/// What ingest stores with an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enrichment {
    /// The path of `page_url`, without query or fragment.
    pub page_path: Option<String>,
    /// `desktop`, `mobile`, `tablet`, `bot` or `other`.
    pub device: Option<String>,
    pub browser: Option<String>,
    /// The first language tag of `Accept-Language`.
    pub locale: Option<String>,
    pub visitor: Option<String>,
    /// Who the site says the respondent is (`hark('identify', …)`), if it says.
    pub user_id: Option<String>,
    pub email: Option<String>,
    /// What else the site says about them (`hark('identify', id, attrs)`): up to 20 pairs.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// The attributes the site segments its insight by (`SiteSettings::segment_attributes`),
    /// as they were when the answer came: the rollups fold these, so that a later change of
    /// the settings changes nothing already counted.
    pub segments: Vec<(String, String)>,
    /// How an answer reached the collector when not from the widget (an import's `channel`);
    /// `None` is `widget`.
    pub channel: Option<String>,
}

impl Enrichment {
    /// Picks the segment attributes out of `attributes`.
    pub fn pick_segments(&mut self, keys: &[String]) {
        self.segments = keys
            .iter()
            .filter_map(|k| {
                let value = crate::insight::rollup::cut(self.attributes.get(k)?);
                Some((k.clone(), value.to_owned()))
            })
            .collect();
    }

    /// `segments` as stored: a JSON object, or none.
    pub fn segments_json(&self) -> Option<String> {
        segments_json(&self.segments)
    }
}

/// Segment attributes as stored: a JSON object, or `None` for none.
pub fn segments_json(segments: &[(String, String)]) -> Option<String> {
    if segments.is_empty() {
        return None;
    }
    let object: serde_json::Map<String, serde_json::Value> = segments
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(object).to_string())
}

/// Stored segment attributes read back; what does not read is none.
pub fn read_segments(json: Option<&str>) -> Vec<(String, String)> {
    let Some(Ok(serde_json::Value::Object(o))) = json.map(serde_json::from_str) else {
        return Vec::new();
    };
    o.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(v) => Some((k, v)),
            _ => None,
        })
        .collect()
}

/// The path of a page URL, without its query or fragment.
pub fn page_path(page_url: &str) -> Option<String> {
    let url = url::Url::parse(page_url).ok()?;
    Some(url.path().to_owned())
}

/// A device class from a `User-Agent`, by the marks browsers put in it.
pub fn device_class(ua: &str) -> &'static str {
    let lower = ua.to_ascii_lowercase();
    if [
        "bot", "crawler", "spider", "slurp", "headless", "curl/", "wget/",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        "bot"
    } else if lower.contains("ipad")
        || lower.contains("tablet")
        || (lower.contains("android") && !lower.contains("mobile"))
    {
        "tablet"
    } else if lower.contains("mobi") || lower.contains("iphone") || lower.contains("ipod") {
        "mobile"
    } else if ["windows nt", "macintosh", "x11", "cros", "linux"]
        .iter()
        .any(|m| lower.contains(m))
    {
        "desktop"
    } else {
        "other"
    }
}

/// A browser family from a `User-Agent`. Order matters: Edge and Opera also say "Chrome", and
/// Chrome also says "Safari".
pub fn browser_family(ua: &str) -> &'static str {
    let has = |m: &str| ua.contains(m);
    if has("Edg/") || has("Edge/") || has("EdgA/") || has("EdgiOS/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("SamsungBrowser/") {
        "Samsung Internet"
    } else if has("Firefox/") || has("FxiOS/") {
        "Firefox"
    } else if has("Chrome/") || has("CriOS/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") && (has("Version/") || has("Mobile/")) {
        "Safari"
    } else {
        "Other"
    }
}

/// The first tag of an `Accept-Language` header, if it is a well-formed language tag
/// (letters, digits and hyphens, starting with a letter, at most 35 characters).
pub fn locale(accept_language: &str) -> Option<String> {
    let tag = accept_language.split(',').next()?.split(';').next()?.trim();
    let valid = !tag.is_empty()
        && tag.len() <= MAX_LOCALE
        && tag.starts_with(|c: char| c.is_ascii_alphabetic())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !tag.split('-').any(str::is_empty);
    valid.then(|| tag.to_owned())
}

/// The salt of visitor hashes: a different one each UTC day, derived from a secret (SHA-256 over
/// the secret and the day's number), so that every collector process with the same secret hashes
/// a visitor alike, and the same visitor's hashes of two days differ.
///
/// `serve` uses the secret stored in the database (`DailySalt::stored`), shared by every process
/// on it; `default()` makes a random one kept only in memory (one process, as in-process tests).
pub struct DailySalt {
    secret: [u8; 32],
    /// The last day's number and salt, so that a day's salt is derived once, not per answer.
    today: std::sync::Mutex<Option<(i64, [u8; 32])>>,
}

impl Default for DailySalt {
    fn default() -> Self {
        Self::from_secret(rand::random())
    }
}

impl std::fmt::Debug for DailySalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DailySalt(…)")
    }
}

/// The name of the visitor-hash secret in `server_secrets`.
const SECRET_NAME: &str = "visitor_salt";

impl DailySalt {
    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            secret,
            today: std::sync::Mutex::new(None),
        }
    }

    /// The secret stored in the database, created (randomly) by the first process that asks.
    pub async fn stored(store: &dyn crate::store::Store, now: Millis) -> anyhow::Result<Self> {
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        let stored = store.server_secret(SECRET_NAME, &candidate, now).await?;
        let mut secret = [0u8; 32];
        hex::decode_to_slice(stored.trim(), &mut secret)
            .map_err(|e| anyhow::anyhow!("the stored visitor-hash secret is unreadable: {e}"))?;
        Ok(Self::from_secret(secret))
    }

    fn for_day(&self, now: Millis) -> [u8; 32] {
        let day = now.div_euclid(DAY_MS);
        let mut today = self
            .today
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *today {
            Some((cached, salt)) if cached == day => salt,
            _ => {
                let salt = self.derive(day);
                *today = Some((day, salt));
                salt
            }
        }
    }

    fn derive(&self, day: i64) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"hark visitor salt\0");
        h.update(self.secret);
        h.update(day.to_be_bytes());
        h.finalize().into()
    }

    /// The visitor hash: SHA-256 over the day's salt, the site key, the client's address (when
    /// known) and the `User-Agent`, each length-prefixed so that no two inputs run together.
    pub fn visitor(&self, now: Millis, site: &str, client: Option<&str>, ua: &str) -> String {
        let salt = self.for_day(now);
        let mut h = Sha256::new();
        h.update(salt);
        for part in [site, client.unwrap_or_default(), ua] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(&h.finalize()[..VISITOR_HEX / 2])
    }
}

/// A short, stable label for an e-mail address that does not show it: `email:` and the first
/// 16 hex digits of its SHA-256 (of the address lowercased).
pub fn email_label(email: &str) -> String {
    let digest = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
    format!("email:{}", &digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    #[test]
    fn user_agents_are_classified() {
        for (ua, device, browser) in [
            (CHROME, "desktop", "Chrome"),
            (IPHONE, "mobile", "Safari"),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "tablet",
                "Safari",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "mobile",
                "Chrome",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "desktop",
                "Firefox",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "desktop",
                "Edge",
            ),
            (
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                "bot",
                "Other",
            ),
            ("", "other", "Other"),
        ] {
            assert_eq!(device_class(ua), device, "{ua}");
            assert_eq!(browser_family(ua), browser, "{ua}");
        }
    }

    #[test]
    fn the_locale_is_the_first_valid_tag() {
        assert_eq!(
            locale("de-CH, de;q=0.9, en;q=0.8").as_deref(),
            Some("de-CH")
        );
        assert_eq!(locale("en;q=0.8").as_deref(), Some("en"));
        assert_eq!(locale("*"), None);
        assert_eq!(locale("<script>"), None);
        assert_eq!(locale("en--US"), None);
        assert_eq!(locale(&"a".repeat(36)), None);
    }

    #[test]
    fn a_page_path_drops_the_query_and_fragment() {
        assert_eq!(
            page_path("https://shop.test/cart/checkout?step=2#pay").as_deref(),
            Some("/cart/checkout")
        );
        assert_eq!(page_path("not a url"), None);
    }

    #[test]
    fn the_visitor_hash_holds_for_a_day() {
        let salt = DailySalt::default();
        let noon = 1_795_000_000_000;
        let a = salt.visitor(noon, "site", Some("10.0.0.1"), CHROME);
        assert_eq!(a.len(), VISITOR_HEX);
        assert_eq!(
            a,
            salt.visitor(noon + 1000, "site", Some("10.0.0.1"), CHROME)
        );
        assert_ne!(a, salt.visitor(noon, "site", Some("10.0.0.2"), CHROME));
        assert_ne!(a, salt.visitor(noon, "other", Some("10.0.0.1"), CHROME));
        assert_ne!(
            a,
            salt.visitor(noon + DAY_MS, "site", Some("10.0.0.1"), CHROME)
        );
    }

    #[test]
    fn one_secret_hashes_alike_in_every_process() {
        let noon = 1_795_000_000_000;
        let (a, b) = (
            DailySalt::from_secret([7; 32]),
            DailySalt::from_secret([7; 32]),
        );
        let hash = |s: &DailySalt, t| s.visitor(t, "site", Some("10.0.0.1"), CHROME);
        assert_eq!(hash(&a, noon), hash(&b, noon + 1000));
        assert_ne!(hash(&a, noon), hash(&DailySalt::from_secret([8; 32]), noon));
        assert_ne!(hash(&a, noon), hash(&b, noon + DAY_MS));
    }

    #[test]
    fn an_email_label_hides_the_address() {
        let label = email_label("Ann@Example.com");
        assert!(label.starts_with("email:") && !label.contains("ann"));
        assert_eq!(label, email_label("ann@example.com"));
    }
}
