//! How a site looks and behaves in the widget, and the config the loader fetches.

use crate::i18n::Strings;
use crate::ids::{SiteKey, SurveyId};
use crate::survey::{Invalid, Survey, MAX_LABEL};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThemeMode {
    Light,
    Dark,
    /// Follows the visitor's `prefers-color-scheme`.
    #[default]
    Auto,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Position {
    #[default]
    BottomRight,
    BottomLeft,
}

/// The widget's look on one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Theme {
    /// The brand colour, `#rrggbb`: chosen answers, buttons and focus rings.
    #[serde(default = "default_brand")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^#[0-9A-Fa-f]{6}$"))]
    pub brand: String,
    #[serde(default)]
    pub mode: ThemeMode,
    #[serde(default)]
    pub position: Position,
    /// Corner radius in pixels, 0 to 24.
    #[serde(default = "default_radius")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 24))]
    pub radius: u8,
}

fn default_brand() -> String {
    "#0969da".into()
}

fn default_radius() -> u8 {
    12
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            brand: default_brand(),
            mode: ThemeMode::default(),
            position: Position::default(),
            radius: default_radius(),
        }
    }
}

/// The always-available "Feedback" tab and its menu.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Launcher {
    /// The tab's text (the built-in "Feedback" in the visitor's language when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 40, pattern = r"\S")
    )]
    pub label: Option<String>,
    /// The survey "Rate us" opens; without one the menu offers only reports and suggestions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyId>,
}

/// What an admin sets for a site's widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteSettings {
    #[serde(default)]
    pub theme: Theme,
    /// The launcher tab, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher: Option<Launcher>,
    /// What a complaint can be about, in the site's words.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 30, inline, value_type = Vec<crate::openapi::Label>))]
    pub categories: Vec<String>,
    /// Days after any survey was shown before another may be (0: no cooldown).
    #[serde(default = "default_cooldown")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub cooldown_days: u16,
    /// The `hark('identify', id, attrs)` attributes (at most [`MAX_SEGMENT_ATTRIBUTES`] keys)
    /// whose values become insight segments, from the next answer on. The collector keeps
    /// them out of the widget's config.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 3, value_type = Vec<crate::openapi::AttributeKey>))]
    pub segment_attributes: Vec<String>,
}

/// The most `identify` attributes a site can segment its answers by.
pub const MAX_SEGMENT_ATTRIBUTES: usize = 3;

/// An attribute key as `hark('identify', …)` takes it: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn is_attribute_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn default_cooldown() -> u16 {
    1
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            theme: Theme::default(),
            launcher: Some(Launcher::default()),
            categories: [
                "Product defect",
                "Service failure",
                "Billing",
                "Delivery",
                "Website",
                "Other",
            ]
            .map(String::from)
            .to_vec(),
            cooldown_days: default_cooldown(),
            segment_attributes: Vec::new(),
        }
    }
}

impl SiteSettings {
    /// The first problem [`SiteSettings::problems`] finds, if any.
    pub fn check(&self) -> Result<(), Invalid> {
        match self.problems().first() {
            Some((_, why)) => Err(Invalid::new(*why)),
            None => Ok(()),
        }
    }

    /// Every problem of the settings, each with the path of the field it concerns
    /// (`theme.brand`, `cooldown_days`), so that a form can show it next to that field.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        let b = self.theme.brand.as_bytes();
        if b.len() != 7 || b[0] != b'#' || !b[1..].iter().all(u8::is_ascii_hexdigit) {
            problems.push(("theme.brand", "the brand colour is #rrggbb"));
        }
        if self.theme.radius > 24 {
            problems.push(("theme.radius", "the corner radius is 0 to 24 pixels"));
        }
        if let Some(label) = self.launcher.as_ref().and_then(|l| l.label.as_ref()) {
            if label.trim().is_empty() || label.chars().count() > 40 {
                problems.push((
                    "launcher.label",
                    "the launcher's label is 1 to 40 characters",
                ));
            }
        }
        if self.categories.len() > 30
            || self
                .categories
                .iter()
                .any(|c| c.trim().is_empty() || c.chars().count() > MAX_LABEL)
        {
            problems.push(("categories", "up to 30 categories of 1 to 500 characters"));
        }
        if self.cooldown_days > 365 {
            problems.push(("cooldown_days", "cooldown_days is 0 to 365"));
        }
        let attributes = &self.segment_attributes;
        if attributes.len() > MAX_SEGMENT_ATTRIBUTES
            || !attributes.iter().all(|k| is_attribute_key(k))
            || (1..attributes.len()).any(|i| attributes[..i].contains(&attributes[i]))
        {
            problems.push((
                "segment_attributes",
                "up to 3 different segment_attributes, each 1 to 64 of A-Z a-z 0-9 _ -",
            ));
        }
        problems
    }
}

/// What `GET /api/v1/sites/{site_key}/config?lang=…` returns: everything the loader and the
/// widget need, in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteConfig {
    pub site_key: SiteKey,
    /// The language of `strings` and of the surveys' texts.
    pub lang: String,
    /// `"ltr"` or `"rtl"`.
    pub dir: String,
    pub strings: Strings,
    #[serde(flatten)]
    pub settings: SiteSettings,
    /// The active surveys, translated into `lang` where they have a translation.
    pub surveys: Vec<Survey>,
}

impl SiteConfig {
    /// The config a visitor who asked for `requested` (`data-lang` or the browser's language)
    /// receives, with `surveys` (the active ones shown on pages; or, in the builder's preview,
    /// the draft) in the language [`choose_lang`] picks, and the site's `settings` without what
    /// is the team's business only.
    pub fn for_visitor(
        site_key: SiteKey,
        mut settings: SiteSettings,
        surveys: Vec<Survey>,
        requested: Option<&str>,
    ) -> SiteConfig {
        // Which attributes the site segments its insight by is the team's business, not the page's.
        settings.segment_attributes.clear();
        let lang = choose_lang(requested, &surveys);
        SiteConfig {
            surveys: surveys.into_iter().map(|s| s.localized(&lang)).collect(),
            strings: crate::i18n::strings(&lang),
            dir: if crate::i18n::is_rtl(&lang) {
                "rtl"
            } else {
                "ltr"
            }
            .to_owned(),
            lang,
            settings,
            site_key,
        }
    }
}

/// The language to speak to a visitor who asked for `requested` (`data-lang` or the browser's,
/// e.g. `de-AT`): a survey translated into it speaks it, even one without built-in words (which
/// then fall back to English); otherwise the nearest built-in language; English when nothing
/// (or nothing valid) was asked.
pub fn choose_lang(requested: Option<&str>, surveys: &[Survey]) -> String {
    use crate::i18n;
    let requested = requested
        .map(|l| l.replace('_', "-").to_ascii_lowercase())
        .filter(|l| i18n::is_lang(l));
    match requested {
        Some(l) => {
            let primary = l.split('-').next().unwrap_or_default().to_owned();
            if surveys.iter().any(|s| s.translations.contains_key(&l)) {
                l
            } else if surveys
                .iter()
                .any(|s| s.translations.contains_key(&primary))
            {
                primary
            } else {
                i18n::pick(&l).to_owned()
            }
        }
        None => "en".to_owned(),
    }
}
