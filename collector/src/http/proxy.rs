//! The client's address behind a reverse proxy. By default it is the TCP peer's. When the peer is
//! one of the configured trusted proxies, the client is the address that proxy read from its own
//! peer, in `X-Forwarded-For`: walking the header from the right (the entry the nearest proxy
//! appended), the first address that is not itself a trusted proxy. A client cannot forge its way
//! past this: what it writes into the header sits to the left of what the proxies append.
//!
//! The middleware replaces the request's `ConnectInfo<SocketAddr>`, so that every handler that
//! reads the client's address (rate limits, the visitor hash, login limits) sees the real one.

use super::AppState;
use axum::extract::{ConnectInfo, Request};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address or a network, like `10.0.0.5`, `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket counts as its IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an IP address or network like 10.0.0.0/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl serde::Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The client behind `peer`: the peer itself unless it is a trusted proxy that says otherwise.
pub(crate) fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for.iter().rev().flat_map(|v| v.rsplit(',')) {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            // Not an address (`unknown`, garbage): nothing further left can be trusted.
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// Replaces the request's `ConnectInfo` with the client behind trusted proxies.
pub(crate) fn find_real_client(state: &AppState, request: &mut Request) {
    if !state.trusted_proxies.is_empty() {
        if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
            let peer = *peer;
            let forwarded: Vec<&str> = request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let client = client_address(peer.ip(), &forwarded, &state.trusted_proxies);
            if client != peer.ip() {
                request
                    .extensions_mut()
                    .insert(ConnectInfo(SocketAddr::new(client, 0)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.1.2.3")) && !net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.9.9.9")));
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!("0.0.0.0/0"
            .parse::<IpNet>()
            .unwrap()
            .contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "proxy", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_first_untrusted_address_from_the_right() {
        let trusted = nets(&["10.0.0.0/8"]);
        // Not from a proxy: the header is the client's own say-so, ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        // From the proxy: what it appended.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // A forged entry to the left of the proxy's is not believed.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["1.2.3.4, 198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // Two proxies in a row, over two header lines.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["198.51.100.1", "10.0.0.3"], &trusted),
            ip("198.51.100.1")
        );
        // No header, or no trusted proxies: the peer.
        assert_eq!(
            client_address(ip("10.0.0.2"), &[], &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["198.51.100.1"], &[]),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["unknown"], &trusted),
            ip("10.0.0.2")
        );
    }
}
