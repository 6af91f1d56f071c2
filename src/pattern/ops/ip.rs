//! IP addresses and CIDR ranges, parsed as EventBridge parses them.

use std::net::Ipv6Addr;

/// An address, families kept apart: an IPv4 range never contains an IPv6 value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ip {
    V4(u32),
    V6(u128),
}

/// Does `s` look like an address literal at all? Mirrors EventBridge's pre-check:
/// four dot-separated digit runs, or hex digits and colons with at least one colon.
fn ip_shape(s: &str) -> Option<bool> {
    let v4 = s.split('.').count() == 4
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if v4 {
        return Some(true);
    }
    let v6 = s.contains(':') && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    if v6 { Some(false) } else { None }
}

enum IpParse {
    NotIp,
    Invalid,
    Ok(Ip),
}

fn parse_ip_detailed(s: &str) -> IpParse {
    match ip_shape(s) {
        None => IpParse::NotIp,
        Some(true) => {
            let mut addr: u32 = 0;
            for part in s.split('.') {
                // Leading zeros are read as decimal, as Java's address parser does.
                let trimmed = part.trim_start_matches('0');
                if trimmed.len() > 3 {
                    return IpParse::Invalid;
                }
                let octet: u32 = if trimmed.is_empty() {
                    0
                } else {
                    match trimmed.parse() {
                        Ok(v) => v,
                        Err(_) => return IpParse::Invalid,
                    }
                };
                if octet > 255 {
                    return IpParse::Invalid;
                }
                addr = (addr << 8) | octet;
            }
            IpParse::Ok(Ip::V4(addr))
        }
        Some(false) => match s.parse::<Ipv6Addr>() {
            Ok(a) => IpParse::Ok(Ip::V6(u128::from(a))),
            Err(_) => IpParse::Invalid,
        },
    }
}

/// The address `s` denotes, if it is an IPv4 or IPv6 literal (any textual form).
pub(crate) fn parse_ip(s: &str) -> Option<Ip> {
    match parse_ip_detailed(s) {
        IpParse::Ok(ip) => Some(ip),
        _ => None,
    }
}

/// Canonical text of an address (used as an index key).
pub(crate) fn ip_text(ip: Ip) -> String {
    match ip {
        Ip::V4(a) => std::net::Ipv4Addr::from(a).to_string(),
        Ip::V6(a) => Ipv6Addr::from(a).to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cidr {
    low: Ip,
    high: Ip,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Result<Cidr, String> {
        // Java's String.split drops trailing empty parts: "10.0.0.0/8/" has two.
        let mut parts: Vec<&str> = text.split('/').collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        if parts.len() == 1 && parts[0].is_empty() && text.contains('/') {
            parts.clear();
        }
        let [addr, mask] = parts.as_slice() else {
            return Err("Malformed CIDR, one '/' required".to_string());
        };
        let mask: i32 = mask
            .parse()
            .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
        if mask < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".to_string());
        }
        let ip = match parse_ip_detailed(addr) {
            IpParse::Ok(ip) => ip,
            IpParse::Invalid => return Err(format!("Invalid IP address: {addr}")),
            IpParse::NotIp => return Err(format!("Nonstandard IP address: {addr}")),
        };
        match ip {
            Ip::V4(a) => {
                if mask > 31 {
                    return Err("IPv4 mask bits must be < 32".to_string());
                }
                let host = u32::MAX.checked_shr(mask as u32).unwrap_or(0);
                Ok(Cidr {
                    low: Ip::V4(a & !host),
                    high: Ip::V4(a | host),
                })
            }
            Ip::V6(a) => {
                if mask > 127 {
                    return Err("IPv6 mask bits must be < 128".to_string());
                }
                let host = u128::MAX.checked_shr(mask as u32).unwrap_or(0);
                Ok(Cidr {
                    low: Ip::V6(a & !host),
                    high: Ip::V6(a | host),
                })
            }
        }
    }

    /// The range in CIDR notation (network address and prefix length).
    pub(crate) fn text(&self) -> String {
        match (self.low, self.high) {
            (Ip::V4(lo), Ip::V4(hi)) => {
                format!("{}/{}", ip_text(self.low), (lo ^ hi).leading_zeros())
            }
            (Ip::V6(lo), Ip::V6(hi)) => {
                format!("{}/{}", ip_text(self.low), (lo ^ hi).leading_zeros())
            }
            (low, high) => format!("{}-{}", ip_text(low), ip_text(high)),
        }
    }

    pub(crate) fn contains(&self, ip: Ip) -> bool {
        match (self.low, self.high, ip) {
            (Ip::V4(lo), Ip::V4(hi), Ip::V4(v)) => lo <= v && v <= hi,
            (Ip::V6(lo), Ip::V6(hi), Ip::V6(v)) => lo <= v && v <= hi,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing_and_ranges() {
        let c = Cidr::parse("10.0.0.77/24").unwrap();
        assert!(c.contains(parse_ip("10.0.0.1").unwrap()));
        assert!(!c.contains(parse_ip("10.0.1.1").unwrap()));
        assert!(Cidr::parse("10.0.0.0/8/").is_ok());
        assert_eq!(
            Cidr::parse("1.2.3.4/32"),
            Err("IPv4 mask bits must be < 32".into())
        );
        let c = Cidr::parse("::/0").unwrap();
        assert!(c.contains(parse_ip("2001:db8::1").unwrap()));
        assert!(!c.contains(parse_ip("10.0.0.1").unwrap()));
    }
}
