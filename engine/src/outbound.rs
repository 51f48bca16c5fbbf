//! Addresses Tether calls on a person's behalf (webhooks) must be public. Otherwise an admin
//! could point Tether at its own loopback, the private network behind it or a cloud
//! metadata service. The rule is applied to the addresses a connection actually uses: the
//! client resolves names through [`PublicOnly`], so a name that resolves to something else
//! at delivery time than when it was typed (DNS rebinding) cannot pass.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Whether private addresses may be called: only tests and one-machine set-ups allow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateAddresses {
    Refused,
    Allowed,
}

/// True for an address anyone on the internet could reach.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, with the cloud metadata services
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking (RFC 2544)
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local (RFC 4193)
        || (first & 0xffc0) == 0xfe80 // link-local
        // NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
        || (ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            && !is_public_v4(Ipv4Addr::from_bits(ip.to_bits() as u32))))
}

/// Why `url` may not be called, if its host is a private IP address; names are judged
/// when they are resolved, at each call, since a resolver is not asked about literals.
pub fn refusal(url: &Url, private: PrivateAddresses) -> Option<String> {
    let ip = match url.host()? {
        Host::Ipv4(ip) => IpAddr::V4(ip),
        Host::Ipv6(ip) => IpAddr::V6(ip),
        Host::Domain(_) => return None,
    };
    (private == PrivateAddresses::Refused && !is_public(ip)).then(|| not_public(&ip.to_string()))
}

/// Why `url` may not be called, judged now: its IP literal, or the addresses its name
/// resolves to when all of them are private. A name that does not resolve at all is not
/// refused here; each call resolves it again.
pub async fn refusal_now(url: &Url, private: PrivateAddresses) -> Option<String> {
    if let Some(refused) = refusal(url, private) {
        return Some(refused);
    }
    let Some(Host::Domain(name)) = url.host() else {
        return None;
    };
    if private == PrivateAddresses::Allowed {
        return None;
    }
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name, 0)).await.ok()?.collect();
    (!resolved.is_empty() && resolved.iter().all(|addr| !is_public(addr.ip())))
        .then(|| not_public(name))
}

fn not_public(host: &str) -> String {
    format!("{host} is not a public address; Tether calls only addresses on the internet")
}

/// Resolves names to their public addresses only; a name with none is an error.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// A client for calls to addresses a person typed: no redirects (a redirect could lead to
/// a private address), every call bounded by `timeout`, names resolved to public addresses
/// unless private ones are allowed.
pub fn client(timeout: Duration, private: PrivateAddresses) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("Tether/", env!("CARGO_PKG_VERSION")));
    let builder = match private {
        PrivateAddresses::Refused => builder.dns_resolver(Arc::new(PublicOnly)),
        PrivateAddresses::Allowed => builder,
    };
    builder
        .build()
        .expect("reqwest client builds with static settings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "64:ff9b::5db8:d822",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn urls_naming_private_hosts_are_refused_unless_allowed() {
        let url = |raw: &str| Url::parse(raw).unwrap();
        for raw in [
            "http://127.0.0.1:9000/in",
            "http://[::1]/in",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:8080/",
        ] {
            let refused = refusal_now(&url(raw), PrivateAddresses::Refused).await;
            assert!(refused.is_some(), "{raw}");
            assert!(
                refusal_now(&url(raw), PrivateAddresses::Allowed)
                    .await
                    .is_none(),
                "{raw}"
            );
        }
        // A name is left to the resolver at each call.
        assert!(refusal(&url("http://localhost:8080/"), PrivateAddresses::Refused).is_none());
        let unresolvable = url("https://hooks.example.invalid/x");
        assert!(refusal_now(&unresolvable, PrivateAddresses::Refused)
            .await
            .is_none());
    }
}
