//! Rate limits on ingest: token buckets per client address and per site, kept in memory and
//! driven by the injected `Clock`, so that tests can refill them without sleeping.
//!
//! Client addresses are held here only as bucket keys, for as long as their bucket is not full
//! again; they are never stored, logged or put into an error message.

use crate::clock::{Clock, Millis};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

/// How fast one client or one site may send answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Sustained rate: tokens added per minute. Zero means a bucket never refills.
    pub per_minute: u32,
    /// How many requests may come at once after a quiet spell: the bucket's size.
    pub burst: u32,
}

/// The rate limits of `POST /api/v1/responses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Per client address (the TCP peer; an IPv6 client counts by its /64 network).
    pub per_client: Rate,
    /// Per site, whoever sends.
    pub per_site: Rate,
}

impl Default for Limits {
    /// Generous: a person answers a few surveys a minute, and a busy site's visitors thousands.
    fn default() -> Self {
        Self {
            per_client: Rate {
                per_minute: 60,
                burst: 30,
            },
            per_site: Rate {
                per_minute: 6000,
                burst: 1000,
            },
        }
    }
}

/// A refused request: how long until the bucket holds a token again, in whole seconds (≥ 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryAfter(pub(crate) u64);

/// One token in bucket units: with `per_minute` units added per millisecond, integer arithmetic
/// refills exactly.
const TOKEN: u64 = 60_000;

/// Buckets are swept of full ones (which are the same as absent ones) when there are this many.
const SWEEP_AT: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    units: u64,
    at: Millis,
}

#[derive(Debug)]
struct Buckets<K> {
    rate: Rate,
    map: HashMap<K, Bucket>,
    sweep_at: usize,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Self {
            rate,
            map: HashMap::new(),
            sweep_at: SWEEP_AT,
        }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.rate.burst) * TOKEN
    }

    /// The bucket's content at `now`, refilled since it was last touched.
    fn refilled(&self, b: Bucket, now: Millis) -> u64 {
        let elapsed = u64::try_from(now.saturating_sub(b.at)).unwrap_or(0);
        b.units
            .saturating_add(elapsed.saturating_mul(u64::from(self.rate.per_minute)))
            .min(self.capacity())
    }

    /// Takes one token for `key`, or says how long until there is one.
    fn take(&mut self, key: K, now: Millis) -> Result<(), RetryAfter> {
        if self.map.len() >= self.sweep_at {
            self.sweep(now);
        }
        let full = Bucket {
            units: self.capacity(),
            at: now,
        };
        let old = self.map.get(&key).copied().unwrap_or(full);
        let units = self.refilled(old, now);
        if units >= TOKEN {
            self.map.insert(
                key,
                Bucket {
                    units: units - TOKEN,
                    at: now,
                },
            );
            return Ok(());
        }
        self.map.insert(key, Bucket { units, at: now });
        let wait_ms = match u64::from(self.rate.per_minute) {
            0 => 60_000,
            per_ms => (TOKEN - units).div_ceil(per_ms),
        };
        Err(RetryAfter(wait_ms.div_ceil(1000).max(1)))
    }

    /// Forgets the buckets that are full again. Sweeping again only when the map has doubled
    /// keeps the cost per request constant even when most buckets are busy.
    fn sweep(&mut self, now: Millis) {
        let capacity = self.capacity();
        let map = std::mem::take(&mut self.map);
        self.map = map
            .into_iter()
            .filter(|(_, b)| self.refilled(*b, now) < capacity)
            .collect();
        self.sweep_at = (self.map.len() * 2).max(SWEEP_AT);
    }
}

/// The buckets of every client and site, shared by all requests of one server.
#[derive(Debug)]
pub struct RateLimiter {
    clients: Mutex<Buckets<IpAddr>>,
    sites: Mutex<Buckets<String>>,
    /// Per status-page token (its hash), whoever holds it.
    tokens: Mutex<Buckets<String>>,
}

/// A customer reads and answers their status page a few times a minute; a script trying one
/// token harder than this is slowed down whatever its addresses.
const PER_TOKEN: Rate = Rate {
    per_minute: 30,
    burst: 30,
};

impl RateLimiter {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            clients: Mutex::new(Buckets::new(limits.per_client)),
            sites: Mutex::new(Buckets::new(limits.per_site)),
            tokens: Mutex::new(Buckets::new(PER_TOKEN)),
        }
    }

    pub(crate) fn check_client(&self, ip: IpAddr, clock: &dyn Clock) -> Result<(), RetryAfter> {
        let now = clock.now_ms();
        lock(&self.clients).take(client_key(ip), now)
    }

    pub(crate) fn check_site(&self, site: &str, clock: &dyn Clock) -> Result<(), RetryAfter> {
        let now = clock.now_ms();
        lock(&self.sites).take(site.to_owned(), now)
    }

    /// One request on the status page of the token whose hash is `hash`.
    pub(crate) fn check_token(&self, hash: &str, clock: &dyn Clock) -> Result<(), RetryAfter> {
        let now = clock.now_ms();
        lock(&self.tokens).take(hash.to_owned(), now)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the buckets consistent (every update is one insert).
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The key a client address is limited under: IPv4 addresses as they are, IPv6 addresses by
/// their /64 network, because one IPv6 host commonly has a whole /64 to pick addresses from.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_minute: u32, burst: u32) -> Rate {
        Rate { per_minute, burst }
    }

    #[test]
    fn a_burst_passes_then_tokens_come_back_at_the_rate() {
        let mut b = Buckets::new(rate(60, 3));
        for _ in 0..3 {
            assert_eq!(b.take("k", 0), Ok(()));
        }
        assert_eq!(b.take("k", 0), Err(RetryAfter(1)));
        assert_eq!(b.take("k", 999), Err(RetryAfter(1)));
        assert_eq!(b.take("k", 1000), Ok(()));
        assert_eq!(b.take("k", 1000), Err(RetryAfter(1)));
        // A long pause refills only up to the burst.
        for _ in 0..3 {
            assert_eq!(b.take("k", 1_000_000), Ok(()));
        }
        assert!(b.take("k", 1_000_000).is_err());
        // Other keys have their own buckets.
        assert_eq!(b.take("other", 1_000_000), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let mut b = Buckets::new(rate(7, 1));
        assert_eq!(b.take("k", 0), Ok(()));
        // 60 / 7 s = 8.57 s until the next token.
        assert_eq!(b.take("k", 0), Err(RetryAfter(9)));
        assert_eq!(b.take("k", 8_000), Err(RetryAfter(1)));
        assert_eq!(b.take("k", 8_572), Ok(()));
        let mut never = Buckets::new(rate(0, 1));
        assert_eq!(never.take("k", 0), Ok(()));
        assert_eq!(never.take("k", 10_000_000), Err(RetryAfter(60)));
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let mut b = Buckets::new(rate(60, 1));
        for i in 0..SWEEP_AT as u32 {
            b.take(i, 0).unwrap();
        }
        assert_eq!(b.map.len(), SWEEP_AT);
        // One second later every bucket is full again: the next new key sweeps them all.
        b.take(u32::MAX, 1000).unwrap();
        assert_eq!(b.map.len(), 1);
    }

    #[test]
    fn ipv6_clients_count_by_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
