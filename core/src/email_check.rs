//! Email validation without touching a mailbox: RFC 5322 syntax (the `email_address` crate),
//! role or personal address, disposable provider (the `mailchecker` list plus the domains a
//! user adds), and what the domain's DNS says about mail. The DNS lookup itself is I/O and
//! lives in the worker; this module only turns its answer into a verdict.
//!
//! Verdicts, as the contacts table stores them:
//! - `verified`: the syntax is valid, the domain is not disposable and it has mail exchangers
//!   (MX records, or an address record as the implicit exchanger of RFC 5321 §5.1). The mailbox
//!   itself is never probed.
//! - `invalid`: the syntax is wrong, or the domain does not exist or refuses mail (a null MX,
//!   RFC 7505), or it is a disposable provider.
//! - `unverified`: the lookup could not be made (offline, timeout, server failure): a failed
//!   check says nothing about the address.
//! - `inferred`: an address guessed from the company's pattern, not seen anywhere.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::{LazyLock, RwLock};

/// Environment variable naming a file of extra disposable domains, one per line (`#` comments).
pub const DISPOSABLE_ENV: &str = "LEADGEN_DISPOSABLE_DOMAINS";

/// Local parts of shared mailboxes: a team or function, not a person.
const ROLE_LOCAL_PARTS: &[&str] = &[
    "info",
    "contact",
    "hello",
    "hi",
    "office",
    "admin",
    "sales",
    "support",
    "help",
    "service",
    "team",
    "enquiries",
    "enquiry",
    "inquiries",
    "inquiry",
    "mail",
    "email",
    "post",
    "reception",
    "frontdesk",
    "booking",
    "bookings",
    "reservations",
    "appointments",
    "orders",
    "shop",
    "store",
    "billing",
    "accounts",
    "accounting",
    "finance",
    "invoices",
    "payments",
    "careers",
    "jobs",
    "hr",
    "recruiting",
    "recruitment",
    "press",
    "media",
    "pr",
    "marketing",
    "news",
    "newsletter",
    "events",
    "partners",
    "partnerships",
    "legal",
    "privacy",
    "compliance",
    "security",
    "abuse",
    "webmaster",
    "hostmaster",
    "postmaster",
    "noreply",
    "no-reply",
    "donotreply",
    "feedback",
    "customerservice",
    "customercare",
    "care",
    "general",
    "kontakt",
    "buero",
    "bureau",
    "verkauf",
    "anfragen",
    "praxis",
    "kanzlei",
    "it",
    "tech",
    "dev",
    "ops",
    "management",
    "studio",
    "clinic",
];

/// Region and market qualifiers after a function name (`sales-uk@`, `support.emea@`).
const QUALIFIERS: &[&str] = &[
    "uk", "us", "usa", "eu", "de", "at", "ch", "fr", "es", "it", "nl", "be", "ie", "au", "nz",
    "ca", "in", "sg", "hk", "jp", "cn", "br", "mx", "emea", "apac", "amer", "latam", "na", "intl",
    "global", "team", "dept",
];

static DISPOSABLE: LazyLock<RwLock<HashSet<String>>> = LazyLock::new(|| {
    RwLock::new(
        mailchecker::blacklist()
            .into_iter()
            .map(str::to_string)
            .collect(),
    )
});

/// Whether an address reaches a shared mailbox or one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    /// A team or function (`info@`, `sales@`).
    Role,
    /// One person (`jane.doe@`).
    Personal,
}

impl EmailKind {
    /// The stored form: `role` or `personal`.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Role => "role",
            EmailKind::Personal => "personal",
        }
    }
}

/// How far an address is confirmed (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Valid syntax, a real mail domain.
    Verified,
    /// Not checked, or the check failed.
    Unverified,
    /// Known not to work.
    Invalid,
    /// Guessed from the company's address pattern.
    Inferred,
}

impl Verification {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Unverified => "unverified",
            Verification::Invalid => "invalid",
            Verification::Inferred => "inferred",
        }
    }
}

/// What DNS said about a domain's mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum MailDomain {
    /// It has exchangers (hosts by preference; the domain itself for an implicit MX).
    Accepts {
        /// Exchanger host names, best first.
        exchangers: Vec<String>,
    },
    /// It does not exist or publishes a null MX.
    Refuses {
        /// Why, for people.
        reason: String,
    },
    /// The lookup failed; nothing is known.
    Unknown {
        /// What went wrong, for people.
        reason: String,
    },
}

/// The verdict on one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailCheck {
    /// The address, lowercased.
    pub address: String,
    /// Role or personal.
    pub kind: EmailKind,
    /// Whether the domain is a disposable-mail provider.
    pub disposable: bool,
    /// The verdict.
    pub status: Verification,
    /// Why, in words a person understands.
    pub reason: String,
}

/// Reads extra disposable domains (one per line, `#` starts a comment) into the set.
/// Returns how many were added.
pub fn add_disposable_domains(text: &str) -> usize {
    let mut set = DISPOSABLE.write().unwrap_or_else(|e| e.into_inner());
    text.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|d| !d.is_empty())
        .filter(|d| set.insert(d.clone()))
        .count()
}

/// Loads the file named by [`DISPOSABLE_ENV`], if set. An unreadable file is an error that names
/// the variable, so a worker does not start with a list it was told to use missing.
pub fn load_disposable_from_env() -> Result<usize, String> {
    match std::env::var(DISPOSABLE_ENV) {
        Ok(path) if !path.trim().is_empty() => std::fs::read_to_string(path.trim())
            .map(|t| add_disposable_domains(&t))
            .map_err(|e| format!("{DISPOSABLE_ENV}: cannot read {}: {e}", path.trim())),
        _ => Ok(0),
    }
}

/// The domain part of an address, lowercased.
pub fn domain_of(address: &str) -> Option<String> {
    let (_, d) = address.trim().rsplit_once('@')?;
    (!d.is_empty()).then(|| d.trim_end_matches('.').to_ascii_lowercase())
}

/// Why an address is not valid RFC 5322 syntax, or `None` when it is.
pub fn syntax_error(address: &str) -> Option<String> {
    email_address::EmailAddress::parse_with_options(address.trim(), Default::default())
        .err()
        .map(|e| e.to_string())
        .or_else(|| {
            // The RFC allows dotless domains; mail on the public internet does not use them.
            let domain = domain_of(address)?;
            (!domain.contains('.')).then(|| format!("domain {domain:?} has no dot"))
        })
}

/// Whether the domain (or a parent of it) is a disposable-mail provider.
pub fn is_disposable(domain: &str) -> bool {
    let set = DISPOSABLE.read().unwrap_or_else(|e| e.into_inner());
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut rest = d.as_str();
    loop {
        if set.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return false,
        }
    }
}

/// Role or personal, from the local part: a known function name, alone, run together
/// (`customerservice`), with digits (`info2`) or followed by short qualifiers or other function
/// names (`sales-uk`, `it.support`); `dev.patel` stays a person.
pub fn kind(address: &str) -> EmailKind {
    let local = address
        .split('@')
        .next()
        .unwrap_or("")
        .split('+')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_role =
        |w: &str| ROLE_LOCAL_PARTS.contains(&w.trim_end_matches(|c: char| c.is_ascii_digit()));
    let compact: String = local.chars().filter(|c| *c != '.' && *c != '_').collect();
    let mut parts = local.split(['.', '-', '_']).filter(|p| !p.is_empty());
    let qualified = parts.next().is_some_and(is_role)
        && parts.all(|p| {
            is_role(p) || QUALIFIERS.contains(&p) || p.chars().all(|c| c.is_ascii_digit())
        });
    if is_role(&local) || is_role(&compact) || qualified {
        EmailKind::Role
    } else {
        EmailKind::Personal
    }
}

/// The verdict on `address` given what DNS said about its domain (`None`: not looked up).
pub fn check(address: &str, mail: Option<&MailDomain>) -> EmailCheck {
    let address = address.trim().to_ascii_lowercase();
    let kind = kind(&address);
    let domain = domain_of(&address).unwrap_or_default();
    let disposable = is_disposable(&domain);
    let (status, reason) = if let Some(e) = syntax_error(&address) {
        (Verification::Invalid, format!("not a valid address: {e}"))
    } else if disposable {
        (
            Verification::Invalid,
            format!("{domain} is a disposable-mail provider"),
        )
    } else {
        match mail {
            Some(MailDomain::Accepts { exchangers }) => (
                Verification::Verified,
                format!(
                    "{domain} receives mail at {}; the mailbox itself is not probed",
                    exchangers.first().map(String::as_str).unwrap_or(&domain)
                ),
            ),
            Some(MailDomain::Refuses { reason }) => (Verification::Invalid, reason.clone()),
            Some(MailDomain::Unknown { reason }) => (
                Verification::Unverified,
                format!("mail lookup for {domain} failed: {reason}"),
            ),
            None => (
                Verification::Unverified,
                format!("mail exchangers of {domain} not looked up"),
            ),
        }
    };
    EmailCheck {
        address,
        kind,
        disposable,
        status,
        reason,
    }
}

/// An inferred address keeps `inferred` unless its domain is known not to take mail.
pub fn check_inferred(address: &str, mail: Option<&MailDomain>, pattern: &str) -> EmailCheck {
    let mut c = check(address, mail);
    if c.status != Verification::Invalid {
        c.status = Verification::Inferred;
        c.reason = format!("guessed from the pattern {pattern} of addresses seen at this domain");
    }
    c
}

/// The distinct mail domains of a set of addresses, in order.
pub fn domains<'a>(addresses: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in addresses.into_iter().filter_map(domain_of) {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts() -> MailDomain {
        MailDomain::Accepts {
            exchangers: vec!["mx1.acme.test".into()],
        }
    }

    #[test]
    fn role_and_personal_addresses_are_told_apart() {
        for role in [
            "info@acme.test",
            "Sales@acme.test",
            "sales-uk@acme.test",
            "info2@acme.test",
            "customer.service@acme.test",
            "no-reply@acme.test",
            "kontakt@acme.de",
            "it.support@acme.test",
        ] {
            assert_eq!(kind(role), EmailKind::Role, "{role}");
        }
        for person in [
            "jane.doe@acme.test",
            "jdoe@acme.test",
            "jane@acme.test",
            "j.doe+crm@acme.test",
            "infante@acme.test",
            "dev.patel@acme.test",
            "dev.kim@acme.test",
            "hr.amy@acme.test",
        ] {
            assert_eq!(kind(person), EmailKind::Personal, "{person}");
        }
    }

    #[test]
    fn a_domain_with_exchangers_verifies_and_says_the_mailbox_is_not_probed() {
        let c = check("Jane.Doe@Acme.test", Some(&accepts()));
        assert_eq!(c.address, "jane.doe@acme.test");
        assert_eq!(c.status, Verification::Verified);
        assert!(c.reason.contains("mx1.acme.test"), "{}", c.reason);
        assert!(c.reason.contains("not probed"));
    }

    #[test]
    fn a_failed_lookup_is_unverified_not_invalid() {
        let unknown = MailDomain::Unknown {
            reason: "timed out".into(),
        };
        assert_eq!(
            check("jane@acme.test", Some(&unknown)).status,
            Verification::Unverified
        );
        assert_eq!(
            check("jane@acme.test", None).status,
            Verification::Unverified
        );
    }

    #[test]
    fn bad_syntax_null_mx_and_disposable_domains_are_invalid_with_the_reason() {
        let c = check("jane..doe@acme.test", Some(&accepts()));
        assert_eq!(c.status, Verification::Invalid);
        assert!(c.reason.starts_with("not a valid address"), "{}", c.reason);
        let c = check("jane@localhost", None);
        assert_eq!(c.status, Verification::Invalid);
        assert!(c.reason.contains("no dot"), "{}", c.reason);

        let refuses = MailDomain::Refuses {
            reason: "acme.test publishes a null MX: it accepts no mail".into(),
        };
        let c = check("jane@acme.test", Some(&refuses));
        assert_eq!(c.status, Verification::Invalid);
        assert!(c.reason.contains("null MX"));

        let c = check("someone@mailinator.com", Some(&accepts()));
        assert!(c.disposable);
        assert_eq!(c.status, Verification::Invalid);
        assert!(c.reason.contains("disposable"));
        assert!(is_disposable("eu.mailinator.com"));
        assert!(!is_disposable("gmail.com"));
        assert!(!is_disposable("acme.test"));
    }

    #[test]
    fn users_add_disposable_domains_from_a_file() {
        let added =
            add_disposable_domains("# ours\nthrowaway-acme.test\n\n  Burner.test # comment\n");
        assert_eq!(added, 2);
        assert!(is_disposable("burner.test"));
        assert!(is_disposable("x.throwaway-acme.test"));
    }

    #[test]
    fn inferred_addresses_stay_inferred_unless_the_domain_refuses_mail() {
        let c = check_inferred("jane.doe@acme.test", Some(&accepts()), "first.last");
        assert_eq!(c.status, Verification::Inferred);
        assert!(c.reason.contains("first.last"));
        let refuses = MailDomain::Refuses {
            reason: "no such domain".into(),
        };
        assert_eq!(
            check_inferred("jane.doe@acme.test", Some(&refuses), "first.last").status,
            Verification::Invalid
        );
    }

    #[test]
    fn domains_are_listed_once_in_first_seen_order() {
        let d = domains(["a@x.test", "b@Y.test", "c@x.test", "broken"]);
        assert_eq!(d, vec!["x.test", "y.test"]);
    }
}
