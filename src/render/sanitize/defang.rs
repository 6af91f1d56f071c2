//! Event text that mail, chat and phone clients cannot turn into a link:
//! schemes written `hxxp://` and every host name's dots written `[.]`, the
//! "defanged" forms security teams read.

/// `http://`, `https://`, `ftp://` → `hxxp://`, `hxxps://`, `fxp://`, and
/// every host-like name (`evil.com`, `www.evil-aws-login.com`,
/// `b.example` in `a@b.example`) → `evil[.]com`. IP addresses and version
/// numbers (last part not letters) are kept, and so is an AWS service
/// principal such as `signin.amazonaws.com` standing alone (no path or port
/// after it), which names an AWS endpoint, not a page anyone can publish.
pub fn defang(s: &str) -> String {
    defang_hosts(&defang_schemes(s))
}

fn defang_schemes(s: &str) -> String {
    if !s.contains("://") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos);
        let scheme_start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphabetic())
            .last()
            .map_or(head.len(), |(i, _)| i);
        let scheme = &head[scheme_start..];
        let lower = scheme.to_ascii_lowercase();
        // A suffix match, so `xhttp://` cannot slip a `http://` past a linkifier.
        let (keep, replaced) = if lower.ends_with("https") {
            (scheme.len() - 5, "hxxps")
        } else if lower.ends_with("http") {
            (scheme.len() - 4, "hxxp")
        } else if lower.ends_with("ftp") {
            (scheme.len() - 3, "fxp")
        } else {
            (scheme.len(), "")
        };
        out.push_str(&head[..scheme_start + keep]);
        out.push_str(replaced);
        out.push_str("://");
        rest = &tail[3..];
    }
    out.push_str(rest);
    out
}

/// Characters of a host name as linkifiers read it (internationalised names
/// included).
fn is_host_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.'
}

fn defang_hosts(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(start) = rest.find(is_host_char) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let len = run.find(|c| !is_host_char(c)).unwrap_or(run.len());
        let (token, after) = run.split_at(len);
        // Dots around a name are punctuation (`see evil.com.`), not part of it.
        let core = token.trim_matches('.');
        let lead = token.len() - token.trim_start_matches('.').len();
        if host_like(core) && !aws_principal(core, after) {
            out.push_str(&token[..lead]);
            out.push_str(&core.replace('.', "[.]"));
            out.push_str(&token[lead + core.len()..]);
        } else {
            out.push_str(token);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Two or more labels whose last one could be a top-level domain (2 to 18
/// letters, 18 being the longest such domain today, or an `xn--` punycode
/// label), or any name starting `www.`: what clients link without a scheme.
/// Endings are not checked against a list of domains, since new ones keep
/// appearing.
const TLD_MAX: usize = 18;

fn host_like(name: &str) -> bool {
    let Some((rest, last)) = name.rsplit_once('.') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    let tld = ((2..=TLD_MAX).contains(&last.chars().count())
        && last.chars().all(char::is_alphabetic))
        || last
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
    tld || name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("www."))
}

/// `service.amazonaws.com` or `service.region.amazonaws.com`, lowercase, with
/// nothing after it that would make it a path, port or mail address.
fn aws_principal(name: &str, after: &str) -> bool {
    if after.starts_with(['/', ':', '?', '#', '@', '\\']) {
        return false;
    }
    let Some(head) = name.strip_suffix(".amazonaws.com") else {
        return false;
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    match head.split_once('.') {
        None => label(head),
        Some((service, region)) => label(service) && is_region(region),
    }
}

/// `^[a-z]{2}(-[a-z]+)+-\d+$`, e.g. `eu-west-1`, `us-gov-west-1`.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[n - 1].is_empty()
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_broken() {
        for (input, want) in [
            ("see https://evil.example/x", "see hxxps://evil[.]example/x"),
            ("HTTP://a and ftp://b s3://c", "hxxp://a and fxp://b s3://c"),
            ("no link", "no link"),
            ("xhttps://a", "xhxxps://a"),
            ("://x", "://x"),
        ] {
            assert_eq!(defang(input), want, "{input}");
        }
    }

    #[test]
    fn bare_host_names_are_broken() {
        for (input, want) in [
            ("www.evil-aws-login.com", "www[.]evil-aws-login[.]com"),
            ("evil.com/reset", "evil[.]com/reset"),
            ("hxxps://evil.com", "hxxps://evil[.]com"),
            ("mail a@b.example.", "mail a@b[.]example."),
            ("пример.рф", "пример[.]рф"),
            ("evil.xn--p1ai", "evil[.]xn--p1ai"),
            ("www.intranet", "www[.]intranet"),
            ("(evil.co)", "(evil[.]co)"),
            ("10.0.0.1.nip.io", "10[.]0[.]0[.]1[.]nip[.]io"),
        ] {
            assert_eq!(defang(input), want, "{input}");
        }
    }

    #[test]
    fn addresses_versions_and_arns_stay_readable() {
        for s in [
            "203.0.113.7",
            "2001:db8::1",
            "aws-cli/2.15.30 Python/3.11.6 Linux/5.10.219-186.866.amzn2int.x86_64",
            "arn:aws:iam::111122223333:role/Admin",
            "v1.2 a.b ends.",
            "Client.UnauthorizedOperation",
            "...",
        ] {
            assert_eq!(defang(s), s);
        }
    }

    #[test]
    fn aws_service_principals_stay_unless_they_carry_a_path() {
        for s in [
            "signin.amazonaws.com",
            "ConsoleLogin (signin.amazonaws.com)",
            "logs.eu-west-1.amazonaws.com",
            "by ec2.amazonaws.com.",
        ] {
            assert_eq!(defang(s), s);
        }
        for (input, want) in [
            (
                "s3.amazonaws.com/evil-bucket/login.html",
                "s3[.]amazonaws[.]com/evil-bucket/login[.]html",
            ),
            ("evil.s3.amazonaws.com", "evil[.]s3[.]amazonaws[.]com"),
            ("Signin.amazonaws.com", "Signin[.]amazonaws[.]com"),
            ("x.amazonaws.com:443", "x[.]amazonaws[.]com:443"),
        ] {
            assert_eq!(defang(input), want, "{input}");
        }
    }
}
