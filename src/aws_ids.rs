//! The shapes of AWS identifiers, checked before one is trusted: in a console
//! link (so a crafted event cannot point it elsewhere), in a rule scope (so a
//! typo cannot silence a rule), as an account id.

/// A region name: a two-letter area, one or more lower-case words and a
/// number, dash-separated (`^[a-z]{2}(-[a-z]+)+-[0-9]+$`): `eu-west-1`,
/// `us-gov-west-1`, `il-central-1`, `us-isob-east-1`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[n - 1].is_empty()
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

/// A 12-digit account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A CloudTrail `eventID`: hex digits and dashes, at most 64 (a UUID today).
pub fn is_event_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_region_names_are_regions() {
        for region in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-central-2",
            "il-central-1",
            "cn-north-1",
            "cn-northwest-1",
            "me-central-1",
            "ca-west-1",
            "mx-central-1",
            "us-iso-east-1",
            "us-isob-east-1",
        ] {
            assert!(is_region(region), "{region}");
        }
    }

    #[test]
    fn typos_and_crafted_values_are_not_regions() {
        for bad in [
            "us-east1",
            "US-EAST-1",
            "useast-1",
            "us-east-",
            "-east-1",
            "us--east-1",
            "global",
            "aws-global-1",
            "u-east-1",
            "us-east-1a",
            "us-east-1.evil.example#",
            "evil.com/x",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("012345678901"));
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "",
            "-12345678901",
        ] {
            assert!(!is_account_id(bad), "{bad}");
        }
    }

    #[test]
    fn event_ids_are_hex_and_dashes() {
        assert!(is_event_id("3f1a2b4c-0000-4000-8000-123456789abc"));
        assert!(is_event_id(&"a".repeat(64)));
        for bad in [
            "",
            "abc#x",
            "../../evil.example/#x",
            "g123",
            &"a".repeat(65),
        ] {
            assert!(!is_event_id(bad), "{bad}");
        }
    }
}
