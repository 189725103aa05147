//! A guard against server-side request forgery: a webhook may not point into the collector's
//! own network (loopback, private, link-local, carrier-grade NAT, unique-local, multicast,
//! unspecified and documentation addresses, and IPv6 forms of them) unless the operator allows
//! the range (`webhook_allow`). Checked when an endpoint is set, and again at each connection:
//! the resolver the webhook client uses drops forbidden addresses, so a name that later
//! resolves inward (DNS rebinding) reaches nothing.

use crate::http::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The longest webhook URL taken.
pub const MAX_URL: usize = 2_000;

/// Whether an address is inside the collector's own networks or otherwise not a public host.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0) // IPv4-compatible
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 of any IPv4
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
        || a >= 240
}

/// Whether the operator's allow list lets the collector reach `ip`.
pub fn allowed(ip: IpAddr, allow: &[IpNet]) -> bool {
    !is_internal(ip) || allow.iter().any(|net| net.contains(ip))
}

/// A webhook URL as given: http or https, a host, no credentials, not too long; an address
/// written in it must be allowed. Names are checked when they are resolved.
pub fn check_url(raw: &str, allow: &[IpNet]) -> Result<url::Url, String> {
    if raw.len() > MAX_URL {
        return Err(format!("url: at most {MAX_URL} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("url: not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("url: only http and https URLs".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "url: no user name or password in the URL; the signature proves the sender".into(),
        );
    }
    match url.host() {
        None => Err("url: no host".into()),
        Some(url::Host::Ipv4(v4)) => literal(IpAddr::V4(v4), allow).map(|()| url.clone()),
        Some(url::Host::Ipv6(v6)) => literal(IpAddr::V6(v6), allow).map(|()| url.clone()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                literal(IpAddr::V4(Ipv4Addr::LOCALHOST), allow).map(|()| url.clone())
            } else {
                Ok(url.clone())
            }
        }
    }
}

fn literal(ip: IpAddr, allow: &[IpNet]) -> Result<(), String> {
    if allowed(ip, allow) {
        Ok(())
    } else {
        Err(format!(
            "url: {ip} is an internal address; the operator may allow its range with `webhook_allow`"
        ))
    }
}

/// The webhook client's resolver: the system's, without the addresses the guard forbids.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow: Arc<Vec<IpNet>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed(a.ip(), &allow))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no address a webhook may reach").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_taken() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "172.32.0.1",
            "100.128.0.1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_and_the_allow_list_opens_ranges() {
        assert!(check_url("https://hooks.example.com/hark", &[]).is_ok());
        for (url, says) in [
            ("http://127.0.0.1:9000/hook", "internal"),
            ("http://10.0.0.5/hook", "internal"),
            ("http://[::1]/hook", "internal"),
            ("http://[::ffff:7f00:1]/hook", "internal"),
            ("http://localhost:8080/", "internal"),
            ("ftp://example.com/", "only http"),
            ("https://user:pw@example.com/", "password"),
            ("not a url", "not a URL"),
        ] {
            let e = check_url(url, &[]).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
        }
        let allow = [net("127.0.0.0/8")];
        assert!(check_url("http://127.0.0.1:9000/hook", &allow).is_ok());
        assert!(check_url("http://10.0.0.5/hook", &allow).is_err());
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(MAX_URL)), &[]).is_err());
    }
}
