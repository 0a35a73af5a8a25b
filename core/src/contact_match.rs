//! Which contacts of one company are the same person: the same email address (any case), else
//! compatible names (accents, case and punctuation ignored; `J. Doe` matches `Jane Doe`; middle
//! names optional) unless their LinkedIn profiles differ, else the same LinkedIn profile.
//! Contacts without a name (role addresses such as `info@`) match by email only.

use crate::dedup::fold;
use crate::repo::leads::ContactRecord;

/// A LinkedIn profile URL reduced to host-less path (`linkedin.com/in/jane-doe`), or `None`
/// when it is not one.
pub fn linkedin_key(url: &str) -> Option<String> {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let rest = rest.split(['?', '#']).next()?.trim_end_matches('/');
    let path = rest.split_once("linkedin.com/")?.1;
    (!path.is_empty()).then(|| format!("linkedin.com/{path}"))
}

/// The words of a person's name, folded to lowercase ASCII, without titles and punctuation.
fn name_words(name: &str) -> Vec<String> {
    const HONORIFICS: [&str; 8] = ["dr", "mr", "mrs", "ms", "prof", "jr", "sr", "phd"];
    fold(name)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !HONORIFICS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Whether two names can be the same person: the same last word, and first words equal or one
/// an initial of the other; a one-word name matches only the same one word.
pub fn names_compatible(a: &str, b: &str) -> bool {
    let (a, b) = (name_words(a), name_words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.len() == 1 || b.len() == 1 {
        return a == b;
    }
    if a.last() != b.last() {
        return false;
    }
    let (x, y) = (&a[0], &b[0]);
    x == y
        || (x.len() == 1 && y.starts_with(x.as_str()))
        || (y.len() == 1 && x.starts_with(y.as_str()))
}

/// Whether two contacts are the same person (see the module documentation).
pub fn same_person(a: &ContactRecord, b: &ContactRecord) -> bool {
    if let (Some(x), Some(y)) = (&a.email, &b.email)
        && !a.email_inferred()
        && !b.email_inferred()
        && x.trim().eq_ignore_ascii_case(y.trim())
    {
        return true;
    }
    let la = a.linkedin_url.as_deref().and_then(linkedin_key);
    let lb = b.linkedin_url.as_deref().and_then(linkedin_key);
    if let (Some(x), Some(y)) = (&a.name, &b.name)
        && names_compatible(x, y)
    {
        return !matches!((&la, &lb), (Some(p), Some(q)) if p != q);
    }
    la.is_some() && la == lb
}

/// Folds `from` into `into`: missing details filled, the fuller name kept, the decision-maker
/// flag and confidence the stronger of the two.
pub fn absorb(into: &mut ContactRecord, from: &ContactRecord) {
    into.name = match (&into.name, &from.name) {
        (Some(x), Some(y)) if name_words(y).concat().len() > name_words(x).concat().len() => {
            Some(y.clone())
        }
        (None, y) => y.clone(),
        (x, _) => x.clone(),
    };
    // A seen address replaces a guessed one; the verdict travels with the address it is about.
    let take_email = from.email.is_some()
        && (into.email.is_none()
            || into.email == from.email
            || (into.email_inferred() && !from.email_inferred()));
    // An unverified verdict on the same address (a lookup that failed) says nothing new.
    let keeps_verdict = into.email == from.email
        && from.verification_status.is_none()
        && into.verification_status.is_some();
    if take_email && !keeps_verdict {
        into.email.clone_from(&from.email);
        into.verification_status
            .clone_from(&from.verification_status);
        into.verification_reason
            .clone_from(&from.verification_reason);
        into.email_kind.clone_from(&from.email_kind);
        into.email_disposable = from.email_disposable;
    }
    for (mine, theirs) in [
        (&mut into.title, &from.title),
        (&mut into.phone, &from.phone),
        (&mut into.linkedin_url, &from.linkedin_url),
    ] {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    }
    into.is_decision_maker |= from.is_decision_maker;
    if from.confidence > into.confidence {
        into.confidence = from.confidence;
        into.source.clone_from(&from.source);
    }
}

/// Folds a list of contacts into one per person, in first-seen order.
pub fn dedupe(contacts: Vec<ContactRecord>) -> Vec<ContactRecord> {
    let mut out: Vec<ContactRecord> = Vec::new();
    for c in contacts {
        match out.iter_mut().find(|o| same_person(o, &c)) {
            Some(o) => absorb(o, &c),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: Option<&str>, email: Option<&str>, linkedin: Option<&str>) -> ContactRecord {
        ContactRecord {
            name: name.map(str::to_string),
            email: email.map(str::to_string),
            linkedin_url: linkedin.map(str::to_string),
            confidence: 0.5,
            source: "s".into(),
            ..ContactRecord::default()
        }
    }

    #[test]
    fn email_first_without_regard_to_case() {
        let a = person(Some("Jane Doe"), Some("Jane.Doe@acme.test"), None);
        let b = person(Some("J. Smith"), Some("jane.doe@ACME.test"), None);
        assert!(same_person(&a, &b));
        let info = person(None, Some("info@acme.test"), None);
        let sales = person(None, Some("sales@acme.test"), None);
        assert!(!same_person(&info, &sales));
    }

    #[test]
    fn names_by_initials_accents_and_case() {
        assert!(names_compatible("Jane Doe", "J. Doe"));
        assert!(names_compatible("José Müller", "jose muller"));
        assert!(names_compatible("Dr. Anna Maria Schmidt", "Anna Schmidt"));
        assert!(!names_compatible("Jane Doe", "John Doe"));
        assert!(!names_compatible("Jane Doe", "Jane Dorsey"));
        assert!(!names_compatible("Jane", "Jane Doe"));
        // Same name, two different LinkedIn profiles: two people.
        let a = person(
            Some("Jane Doe"),
            None,
            Some("https://www.linkedin.com/in/jane-doe-1"),
        );
        let b = person(
            Some("Jane Doe"),
            None,
            Some("https://linkedin.com/in/jane-doe-2/"),
        );
        assert!(!same_person(&a, &b));
    }

    #[test]
    fn linkedin_last_and_details_folded_together() {
        let a = person(
            Some("Jane Doe"),
            None,
            Some("https://www.linkedin.com/in/jdoe/?trk=x"),
        );
        let b = person(
            Some("Janie Q."),
            Some("jd@acme.test"),
            Some("http://linkedin.com/in/JDoe"),
        );
        assert!(same_person(&a, &b));
        let merged = dedupe(vec![
            person(Some("J. Doe"), None, None),
            person(Some("Jane Doe"), Some("jane@acme.test"), None),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].name.as_deref(), Some("Jane Doe"));
        assert_eq!(merged[0].email.as_deref(), Some("jane@acme.test"));
    }

    #[test]
    fn a_seen_address_replaces_a_guessed_one_with_its_verdict() {
        let mut guessed = person(Some("Tom Berg"), Some("tberg@acme.test"), None);
        guessed.verification_status = Some("inferred".into());
        let mut seen = person(Some("Tom Berg"), Some("tom.berg@acme.test"), None);
        seen.verification_status = Some("verified".into());
        seen.email_kind = Some("personal".into());
        assert!(same_person(&guessed, &seen));
        absorb(&mut guessed, &seen);
        assert_eq!(guessed.email.as_deref(), Some("tom.berg@acme.test"));
        assert_eq!(guessed.verification_status.as_deref(), Some("verified"));
        assert_eq!(guessed.email_kind.as_deref(), Some("personal"));

        // A guess never replaces a seen address, and never makes two people one.
        let mut kept = seen.clone();
        let mut guess = person(Some("T. Berg"), Some("tberg@acme.test"), None);
        guess.verification_status = Some("inferred".into());
        absorb(&mut kept, &guess);
        assert_eq!(kept.email.as_deref(), Some("tom.berg@acme.test"));
        // A failed lookup later keeps the verdict reached before.
        let mut again = kept.clone();
        again.verification_status = None;
        again.verification_reason = Some("mail lookup for acme.test failed: timed out".into());
        absorb(&mut kept, &again);
        assert_eq!(kept.verification_status.as_deref(), Some("verified"));
        let mut other = person(Some("Tina Berg"), Some("tberg@acme.test"), None);
        other.verification_status = Some("inferred".into());
        let mut guess2 = person(Some("Tom Berg"), Some("tberg@acme.test"), None);
        guess2.verification_status = Some("inferred".into());
        assert!(!same_person(&other, &guess2));
    }
}
