//! Where a site's snippet was seen. The config route (`http/site_config.rs`) is the loader's
//! first call on every page view, so it must not write to the database each time: this keeps,
//! in memory, when each (site, origin) was last written, and lets a fetch through to the store
//! at most once per [`WRITE_EVERY_MS`] by the injected clock. A collector that restarts writes
//! again at its first fetch; several collectors write a minute each, and the store keeps the
//! latest time. Only origins the site allows are recorded, so the map is as large as the sites'
//! lists of origins, whatever a client puts in its `Origin` header.

use crate::clock::Millis;
use shared::SiteKey;
use std::collections::HashMap;
use std::sync::Mutex;

/// How often a (site, origin) is written at most.
pub const WRITE_EVERY_MS: Millis = 60_000;

/// When each (site, origin) was last written by this process.
#[derive(Debug, Default)]
pub struct Sightings {
    written: Mutex<HashMap<(SiteKey, String), Millis>>,
}

impl Sightings {
    /// Whether a fetch at `now` from `origin` should be written: the first one, and then one
    /// [`WRITE_EVERY_MS`] or more after the last written. A `true` counts as written (so that
    /// concurrent fetches write once); [`Sightings::failed`] takes it back.
    pub fn due(&self, site: &SiteKey, origin: &str, now: Millis) -> bool {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        match written.get_mut(&(site.clone(), origin.to_owned())) {
            Some(last) if now - *last < WRITE_EVERY_MS => false,
            Some(last) => {
                *last = now;
                true
            }
            None => {
                written.insert((site.clone(), origin.to_owned()), now);
                true
            }
        }
    }

    /// The write that [`Sightings::due`] allowed failed: the next fetch tries again.
    pub fn failed(&self, site: &SiteKey, origin: &str) {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written.remove(&(site.clone(), origin.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sighting_is_written_once_a_minute_per_site_and_origin() {
        let sightings = Sightings::default();
        let shop = SiteKey::parse("shop0123456789ab").unwrap();
        let blog = SiteKey::parse("blog0123456789ab").unwrap();
        let t = 1_000_000;
        assert!(sightings.due(&shop, "https://shop.example", t));
        assert!(!sightings.due(&shop, "https://shop.example", t + 1));
        assert!(!sightings.due(&shop, "https://shop.example", t + WRITE_EVERY_MS - 1));
        // Another origin, another site: each its own minute.
        assert!(sightings.due(&shop, "https://www.shop.example", t + 1));
        assert!(sightings.due(&blog, "https://shop.example", t + 1));
        assert!(sightings.due(&shop, "https://shop.example", t + WRITE_EVERY_MS));
        assert!(!sightings.due(&shop, "https://shop.example", t + WRITE_EVERY_MS + 10));
        // A failed write is tried again at the next fetch.
        sightings.failed(&shop, "https://shop.example");
        assert!(sightings.due(&shop, "https://shop.example", t + WRITE_EVERY_MS + 20));
    }
}
