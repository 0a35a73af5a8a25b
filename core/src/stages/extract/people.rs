//! People written down in the shapes team and about pages use besides cards: tables (with or
//! without a header row), definition lists, and prose ("Jane Doe, our Managing Partner",
//! "Omar Haddad is the practice manager", "our founder, Li Wei", "Ana Ruiz (CFO)").
//!
//! A name is two to four capitalised words that are not a title; a title must contain a word of
//! a job title. Content about other companies (testimonials, partner lists) is skipped.

use super::{
    canonical_social, emails_in, is_decision_maker, is_foreign, normalize_email, normalize_phone,
    percent_decode,
};
use crate::model::{Facts, Person, StoredPage};
use regex::Regex;
use scraper::{ElementRef, Html};
use std::sync::LazyLock;

/// Words that make a phrase a job title.
const TITLE_WORDS: &[&str] = &[
    "owner",
    "founder",
    "co-founder",
    "cofounder",
    "partner",
    "director",
    "manager",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cmo",
    "cio",
    "president",
    "principal",
    "head",
    "lead",
    "chief",
    "officer",
    "chair",
    "chairman",
    "chairwoman",
    "dentist",
    "hygienist",
    "orthodontist",
    "attorney",
    "lawyer",
    "solicitor",
    "counsel",
    "paralegal",
    "accountant",
    "bookkeeper",
    "auditor",
    "cpa",
    "engineer",
    "developer",
    "designer",
    "consultant",
    "advisor",
    "adviser",
    "associate",
    "specialist",
    "coordinator",
    "assistant",
    "administrator",
    "receptionist",
    "physician",
    "doctor",
    "nurse",
    "therapist",
    "physiotherapist",
    "surgeon",
    "chef",
    "sommelier",
    "plumber",
    "technician",
    "electrician",
    "agent",
    "broker",
    "realtor",
    "editor",
    "architect",
    "analyst",
    "strategist",
    "marketer",
    "recruiter",
    "secretary",
    "apprentice",
    "copywriter",
    "writer",
    "dispatcher",
    "intern",
    "trainee",
    "clerk",
    "cook",
    "waiter",
    "bartender",
    "barista",
    "pharmacist",
    "optometrist",
    "veterinarian",
    "stylist",
    "photographer",
    "mechanic",
    "estimator",
    "foreman",
    "scientist",
    "researcher",
    "treasurer",
    "vp",
    "vice",
    "executive",
    "geschäftsführer",
    "geschäftsführerin",
    "inhaber",
    "inhaberin",
    "gründer",
    "gründerin",
    "vorstand",
    "leiter",
    "leiterin",
    "prokurist",
    "gérant",
    "gérante",
    "fondateur",
    "fondatrice",
    "directeur",
    "directrice",
    "président",
    "présidente",
    "pdg",
];

/// Capitalised words that start sentences or headings, never a person's first name.
const NOT_NAMES: &[&str] = &[
    "our", "the", "meet", "team", "about", "contact", "welcome", "services", "we", "us", "with",
    "and", "for", "in", "at", "of", "read", "more", "view", "call", "email", "phone", "office",
    "company", "practice", "firm", "clinic", "group", "dear", "thanks", "thank", "mr", "mrs", "ms",
    "dr", "prof",
];

/// Words of business names, never of a person's ("Bright Smile Dental", "Acme Law Group").
const BUSINESS_WORDS: &[&str] = &[
    "dental",
    "dentistry",
    "smile",
    "smiles",
    "clinic",
    "medical",
    "health",
    "law",
    "legal",
    "group",
    "services",
    "service",
    "solutions",
    "partners",
    "associates",
    "plumbing",
    "heating",
    "restaurant",
    "kitchen",
    "grill",
    "bistro",
    "cafe",
    "bakery",
    "studio",
    "agency",
    "digital",
    "media",
    "marketing",
    "software",
    "systems",
    "technologies",
    "tech",
    "labs",
    "consulting",
    "accounting",
    "realty",
    "properties",
    "homes",
    "care",
    "center",
    "centre",
    "practice",
    "firm",
    "company",
    "inc",
    "llc",
    "ltd",
    "gmbh",
    "co",
    "corp",
    "street",
    "avenue",
    "road",
];

/// Words that start a phrase praising a business, not a job title ("the best dentist in town").
const NOT_TITLE_STARTS: &[&str] = &[
    "best",
    "leading",
    "top",
    "premier",
    "most",
    "only",
    "first",
    "largest",
    "oldest",
    "biggest",
    "favourite",
    "favorite",
    "number",
    "go-to",
    "trusted",
    "friendliest",
];

const NAME: &str = r"\p{Lu}[\p{L}'’.-]*(?:[ \t]+\p{Lu}[\p{L}'’.-]*){1,3}";

static PROSE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Jane Doe, our Managing Partner
        format!(r"(?P<name>{NAME}),\s+(?:our|the|who is our|who is the)\s+(?P<title>[^,.;:()!?]{{3,60}})"),
        // Jane Doe is our / serves as the Practice Manager
        format!(r"(?P<name>{NAME})\s+(?:is|serves as|works as|joined as)\s+(?:our|the|a|an)\s+(?P<title>[^,.;:()!?]{{3,60}})"),
        // our Owner & Master Plumber, Jane Doe: the whole title up to the comma, so a title of
        // several capitalised words is not cut into a title and a name
        format!(r"(?-u:\b)(?:[Oo]ur|[Tt]he)\s+(?P<title>[^,.;:()!?]{{3,40}}),\s+(?P<name>{NAME})"),
        // our founder, Jane Doe / the practice manager Jane Doe
        format!(r"(?-u:\b)(?:[Oo]ur|[Tt]he)\s+(?P<title>[^,.;:()!?]{{3,40}}?),?\s+(?P<name>{NAME})"),
        // Jane Doe (CEO)
        format!(r"(?P<name>{NAME})\s*\((?P<title>[^()]{{2,40}})\)"),
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex"))
    .collect()
});

/// Finds title words anywhere in a text, so blocks without one skip the name patterns.
static ANY_TITLE_WORD: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TITLE_WORDS)
        .expect("static automaton")
});

/// Whether a phrase names a job (one of its words is a title word).
pub(super) fn is_title(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .any(|w| TITLE_WORDS.contains(&w))
}

/// Whether text is a person's name as pages write it: two to four capitalised words, none of
/// them a title or a sentence opener, not shouted.
fn is_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && text.len() <= 60
        && words.iter().all(|w| {
            let bare = w.to_lowercase();
            let bare = bare.trim_end_matches('.');
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || "'’.-".contains(c))
                // A full stop only after an initial ("J. Doe").
                && (!w.contains('.') || w.chars().filter(|c| c.is_alphabetic()).count() == 1)
                && !NOT_NAMES.contains(&bare)
                && !BUSINESS_WORDS.contains(&bare)
        })
        && !is_title(text)
        && !words.iter().all(|w| w.chars().all(|c| !c.is_lowercase()))
}

/// A title as it stands in prose, cut before the clause that follows it.
fn clean_title(raw: &str) -> String {
    let mut t = raw.trim();
    for stop in [
        " who ", " and ", " since ", " for ", " with ", " at ", " here ", " in ",
    ] {
        if let Some(i) = t.find(stop) {
            t = &t[..i];
        }
    }
    let t = super::super::discover::squash(t);
    let lower = t.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    // "Owner of", "the best dentist": not a title as written.
    if words
        .last()
        .is_some_and(|w| ["of", "the", "a", "an", "to", "our", "your"].contains(w))
        || words.first().is_some_and(|w| NOT_TITLE_STARTS.contains(w))
    {
        return String::new();
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => t,
    }
}

fn add(
    facts: &mut Facts,
    page: &StoredPage,
    name: &str,
    title: Option<String>,
    confidence: f32,
) -> Option<usize> {
    if facts.people.iter().any(|p| p.name == name) {
        return None;
    }
    facts.people.push(Person {
        is_decision_maker: title.as_deref().is_some_and(is_decision_maker),
        name: name.to_string(),
        title,
        source_url: page.final_url.clone(),
        confidence,
        ..Person::default()
    });
    Some(facts.people.len() - 1)
}

/// Email, phone and LinkedIn from the links and text of an element, where the person has none.
pub(super) fn contacts_from(el: ElementRef<'_>, region: &str, person: &mut Person) {
    for a in el.select(selector!("a[href]")) {
        let href = a.value().attr("href").unwrap_or("");
        if let Some(m) = href.strip_prefix("mailto:") {
            person.email = person
                .email
                .take()
                .or_else(|| normalize_email(&percent_decode(m)).filter(|e| personal(e)));
        } else if let Some(t) = href.strip_prefix("tel:") {
            person.phone = person.phone.take().or_else(|| normalize_phone(t, region));
        } else if href.contains("linkedin.com/in/") {
            person.linkedin_url = person
                .linkedin_url
                .take()
                .or_else(|| canonical_social(href));
        }
    }
    if person.email.is_none() {
        let text: String = el.text().collect();
        person.email = emails_in(&text)
            .filter_map(normalize_email)
            .find(|e| personal(e));
    }
}

/// A shared mailbox (info@) in a person's block is the company's, not theirs.
fn personal(address: &str) -> bool {
    crate::email_check::kind(address) == crate::email_check::EmailKind::Personal
}

fn cell_text(el: ElementRef<'_>) -> String {
    super::super::discover::squash(&el.text().collect::<String>())
}

/// Team tables: a header row naming the name and title columns, or rows of name then title.
pub(super) fn read_tables(doc: &Html, page: &StoredPage, region: &str, facts: &mut Facts) {
    let cell = selector!("th, td");
    for table in doc.select(selector!("table")) {
        if is_foreign(table) {
            continue;
        }
        let rows: Vec<ElementRef<'_>> = table.select(selector!("tr")).collect();
        let header: Vec<String> = rows
            .first()
            .map(|r| {
                r.select(cell)
                    .map(|c| cell_text(c).to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let column = |words: &[&str]| {
            header
                .iter()
                .position(|h| words.iter().any(|w| h.contains(w)))
        };
        let (name_col, title_col, has_header) = match (
            column(&["name"]),
            column(&["title", "position", "role", "job", "funktion"]),
        ) {
            (Some(n), Some(t)) => (n, Some(t), true),
            _ => (0, Some(1), false),
        };
        for row in rows.iter().skip(usize::from(has_header)) {
            let cells: Vec<ElementRef<'_>> = row.select(cell).collect();
            let Some(name) = cells.get(name_col).map(|c| cell_text(*c)) else {
                continue;
            };
            let title = title_col
                .and_then(|t| cells.get(t))
                .map(|c| cell_text(*c))
                .filter(|t| !t.is_empty() && t.len() < 100);
            // Without a header, the row must look like a person and a job.
            if !is_name(&name) || (!has_header && !title.as_deref().is_some_and(is_title)) {
                continue;
            }
            if let Some(i) = add(facts, page, &name, title, 0.75) {
                contacts_from(*row, region, &mut facts.people[i]);
            }
        }
    }
}

/// List items naming a person and their job: `Jane Doe – Managing Partner` (dash, comma, colon
/// or bar between them), or the name in bold followed by the title.
pub(super) fn read_lists(doc: &Html, page: &StoredPage, region: &str, facts: &mut Facts) {
    let bold = selector!("strong, b");
    for li in doc.select(selector!("li")) {
        if is_foreign(li) {
            continue;
        }
        let text = cell_text(li);
        if text.len() > 200 || !ANY_TITLE_WORD.is_match(&text) {
            continue;
        }
        let emphasised = li
            .select(bold)
            .next()
            .map(cell_text)
            .filter(|n| is_name(n) && text.starts_with(n.as_str()));
        let split = match emphasised {
            Some(name) => {
                let rest =
                    text[name.len()..].trim_start_matches([' ', '–', '—', '-', ',', ':', '|']);
                Some((name.clone(), rest.to_string()))
            }
            None => [" – ", " — ", " - ", ", ", ": ", " | "]
                .iter()
                .find_map(|sep| text.split_once(sep))
                .map(|(n, t)| (n.trim().to_string(), t.to_string())),
        };
        let Some((name, rest)) = split else {
            continue;
        };
        // The title ends where the contact details begin.
        let title = rest
            .split(['|', '·', '@'])
            .next()
            .unwrap_or("")
            .split(" – ")
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if is_name(&name)
            && is_title(&title)
            && title.split_whitespace().count() <= 6
            && let Some(i) = add(facts, page, &name, Some(title), 0.7)
        {
            contacts_from(li, region, &mut facts.people[i]);
        }
    }
}

/// Definition lists: the name as the term, the title as its description.
pub(super) fn read_definition_lists(
    doc: &Html,
    page: &StoredPage,
    region: &str,
    facts: &mut Facts,
) {
    for dt in doc.select(selector!("dl > dt")) {
        if is_foreign(dt) {
            continue;
        }
        let name = cell_text(dt);
        let Some(dd) = dt
            .next_siblings()
            .filter_map(ElementRef::wrap)
            .next()
            .filter(|e| e.value().name() == "dd")
        else {
            continue;
        };
        let title = cell_text(dd)
            .split([',', '|', '·'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if is_name(&name)
            && is_title(&title)
            && let Some(i) = add(facts, page, &name, Some(title), 0.75)
        {
            contacts_from(dd, region, &mut facts.people[i]);
        }
    }
}

/// People introduced in sentences (see the module documentation); a block that introduces one
/// person gives them its email, phone and LinkedIn links.
pub(super) fn read_prose(doc: &Html, page: &StoredPage, region: &str, facts: &mut Facts) {
    for block in doc.select(selector!("p, li, figcaption, dd, h2, h3, h4")) {
        if is_foreign(block) {
            continue;
        }
        let text = super::super::discover::squash(&block.text().collect::<Vec<_>>().join(" "));
        if text.len() > 2000 || !ANY_TITLE_WORD.is_match(&text) {
            continue;
        }
        let mut added = Vec::new();
        for (k, re) in PROSE.iter().enumerate() {
            for c in re.captures_iter(&text) {
                // The whole-title pattern takes everything up to the comma, so it is kept only
                // for a title in title case ("our Owner & Master Plumber, …"), never for a
                // clause ("our founder Jane Doe and her husband, John Roe").
                if k == WHOLE_TITLE && !title_case(&c["title"]) {
                    continue;
                }
                // News quotes people of other companies ("said John Roe, the CEO of Acme"); the
                // company's own people are "our" ("our Front of House Manager, …").
                if page.kind == "news"
                    && c["title"].contains(" of ")
                    && !c[0].to_lowercase().contains("our ")
                    && !c[0].contains('(')
                {
                    continue;
                }
                let name = trim_name(&c["name"]);
                let title = clean_title(&c["title"]);
                // Someone already listed (a press contact from the team) still gets the
                // block's address when the block names only them.
                if is_name(&name)
                    && is_title(&title)
                    && title.split_whitespace().count() <= 6
                    && let Some(i) = facts
                        .people
                        .iter()
                        .position(|p| p.name == name)
                        .or_else(|| add(facts, page, &name, Some(title), 0.6))
                    && !added.contains(&i)
                {
                    added.push(i);
                }
            }
        }
        if let [i] = added.as_slice() {
            let person = &mut facts.people[*i];
            let had = person.email.is_some();
            contacts_from(block, region, person);
            // A sentence can name one person and give someone else's address ("… works with
            // Tom, reach him at tom@"): an address is only taken when it fits the name.
            if !had
                && let Some(e) = &person.email
                && crate::email_pattern::patterns_of(&person.name, e).is_empty()
            {
                person.email = None;
            }
        }
    }
}

/// Index in [`PROSE`] of the pattern that takes a whole title up to a comma.
const WHOLE_TITLE: usize = 2;

/// Whether every word of a title is capitalised or a connector (`&`, `and`, `of`, …).
fn title_case(title: &str) -> bool {
    title.split_whitespace().all(|w| {
        w.chars().next().is_some_and(char::is_uppercase)
            || matches!(
                w,
                "&" | "and" | "of" | "for" | "the" | "de" | "du" | "la" | "und"
            )
    })
}

/// A captured name without a sentence opener the pattern took along ("Meet Jane Doe").
fn trim_name(raw: &str) -> String {
    // "… opened in Austin. Jane Doe, our …": the name starts after the sentence's full stop.
    let mut words: Vec<&str> = raw.split_whitespace().collect();
    if let Some(i) = words
        .iter()
        .rposition(|w| w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() > 1)
        .filter(|i| i + 1 < words.len())
    {
        words.drain(..=i);
    }
    let skip = words
        .iter()
        .take_while(|w| NOT_NAMES.contains(&w.to_lowercase().as_str()))
        .count();
    let name = words[skip..].join(" ");
    // The sentence's full stop, not an initial's.
    match name.rsplit(' ').next() {
        Some(last) if last.len() > 2 && last.ends_with('.') => {
            name.trim_end_matches('.').to_string()
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(body: &str) -> Facts {
        let page = super::super::test_page(
            "team",
            &format!("<html><body><main>{body}</main></body></html>"),
        );
        super::super::extract(&[page], None)
    }

    fn people(f: &Facts) -> Vec<(String, Option<String>)> {
        f.people
            .iter()
            .map(|p| (p.name.clone(), p.title.clone()))
            .collect()
    }

    #[test]
    fn a_table_with_a_header_row() {
        let f = team(
            "<table><tr><th>Name</th><th>Position</th><th>Email</th></tr>
             <tr><td>Jane Doe</td><td>Managing Partner</td><td><a href=\"mailto:jane@acme.test\">email</a></td></tr>
             <tr><td>Omar Haddad</td><td>Office Manager</td><td></td></tr></table>",
        );
        assert_eq!(
            people(&f),
            vec![
                ("Jane Doe".into(), Some("Managing Partner".into())),
                ("Omar Haddad".into(), Some("Office Manager".into())),
            ]
        );
        assert_eq!(f.people[0].email.as_deref(), Some("jane@acme.test"));
        assert!(f.people[0].is_decision_maker);
    }

    #[test]
    fn a_table_without_a_header_needs_a_name_and_a_job() {
        let f = team(
            "<table><tr><td>Li Wei</td><td>Lead Developer</td></tr>
             <tr><td>Opening Hours</td><td>Mon–Fri 9–5</td></tr></table>",
        );
        assert_eq!(
            people(&f),
            vec![("Li Wei".into(), Some("Lead Developer".into()))]
        );
    }

    #[test]
    fn list_items_with_a_separator_or_a_bold_name() {
        let f = team(
            "<ul><li>Jane Doe – Managing Partner</li>
             <li><strong>Omar Haddad</strong><br>Office Manager · <a href=\"mailto:omar@acme.test\">omar@acme.test</a></li>
             <li>Mon–Fri: 9am to 5pm</li><li>Free parking – ask at reception</li></ul>",
        );
        assert_eq!(
            people(&f),
            vec![
                ("Jane Doe".into(), Some("Managing Partner".into())),
                ("Omar Haddad".into(), Some("Office Manager".into())),
            ]
        );
        assert_eq!(f.people[1].email.as_deref(), Some("omar@acme.test"));
    }

    #[test]
    fn a_definition_list() {
        let f = team(
            "<dl><dt>Ana Ruiz</dt><dd>Chief Financial Officer</dd><dt>Our Values</dt><dd>Care</dd></dl>",
        );
        assert_eq!(
            people(&f),
            vec![("Ana Ruiz".into(), Some("Chief Financial Officer".into()))]
        );
    }

    #[test]
    fn people_introduced_in_prose() {
        let f = team(
            "<p>Jane Doe, our Managing Partner, founded the firm in 1998.</p>
             <p>Omar Haddad is the practice manager and keeps things running.</p>
             <p>Questions? Ask our founder, Li Wei.</p>
             <p>Ana Ruiz (CFO) joined in 2020.</p>
             <p>We serve Austin, Round Rock and Cedar Park since 2001.</p>",
        );
        let got = people(&f);
        assert!(
            got.contains(&("Jane Doe".into(), Some("Managing Partner".into()))),
            "{got:?}"
        );
        assert!(
            got.contains(&("Omar Haddad".into(), Some("Practice manager".into()))),
            "{got:?}"
        );
        assert!(
            got.contains(&("Li Wei".into(), Some("Founder".into()))),
            "{got:?}"
        );
        assert!(
            got.contains(&("Ana Ruiz".into(), Some("CFO".into()))),
            "{got:?}"
        );
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(
            f.people
                .iter()
                .find(|p| p.name == "Jane Doe")
                .unwrap()
                .is_decision_maker
        );
    }

    #[test]
    fn company_names_praise_and_sentence_ends_are_not_people() {
        let f = team(
            "<p>Jane Doe is the owner of Smile Dental Care.</p>
             <p>We opened in Austin. Omar Haddad, our Office Manager, runs the front desk.</p>
             <p>Bright Smile Dental, the best dentist in Austin, welcomes you.</p>
             <p>Li Wei is our hygienist. Questions? Write to info@acme.test.</p>",
        );
        let got = people(&f);
        assert_eq!(
            got,
            vec![
                (
                    "Jane Doe".to_string(),
                    Some("Owner of Smile Dental Care".to_string())
                ),
                (
                    "Omar Haddad".to_string(),
                    Some("Office Manager".to_string())
                ),
                ("Li Wei".to_string(), Some("Hygienist".to_string())),
            ],
            "{got:?}"
        );
        assert_eq!(f.people[2].email, None, "info@ is the company's address");
    }

    #[test]
    fn press_contacts_on_news_pages_with_long_titles_and_their_addresses() {
        let team_page = super::super::test_page(
            "team",
            "<html><body><main><div class=\"person\"><h3>Sophia Nguyen</h3>\
             <p class=\"title\">Customer Success Manager</p></div></main></body></html>",
        );
        let news = super::super::test_page(
            "news",
            "<html><body><main><article><h2>We opened our second office</h2></article>\
             <p>For press enquiries, please contact our Owner &amp; Master Plumber, Noah Bennett, \
             at <a href=\"mailto:noah@acme.test\">noah@acme.test</a>.</p>\
             <p>Or our Customer Success Manager, Sophia Nguyen, at \
             <a href=\"mailto:snguyen@acme.test\">snguyen@acme.test</a>.</p></main></body></html>",
        );
        let f = super::super::extract(&[team_page, news], None);
        let got: Vec<_> = f
            .people
            .iter()
            .map(|p| (p.name.as_str(), p.title.as_deref(), p.email.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Sophia Nguyen",
                    Some("Customer Success Manager"),
                    // Listed on the team page without an address; the news page gives it.
                    Some("snguyen@acme.test")
                ),
                (
                    "Noah Bennett",
                    Some("Owner & Master Plumber"),
                    Some("noah@acme.test")
                ),
            ]
        );
        assert!(f.people[1].is_decision_maker);
    }

    #[test]
    fn clauses_are_not_titles_and_other_peoples_addresses_are_not_taken() {
        let f = team(
            "<p>Our founder Jane Doe and her husband, John Roe, opened in 2001.</p>
             <p>Omar Haddad, our Office Manager, works with Tom Smith; reach Tom at
             <a href=\"mailto:tom@acme.test\">tom@acme.test</a>.</p>",
        );
        let got = people(&f);
        assert!(
            got.contains(&("Jane Doe".into(), Some("Founder".into()))),
            "{got:?}"
        );
        assert!(!got.iter().any(|(n, _)| n == "John Roe"), "{got:?}");
        let omar = f.people.iter().find(|p| p.name == "Omar Haddad").unwrap();
        assert_eq!(omar.email, None, "Tom's address is not Omar's");
        // News pages quote people of other companies.
        let news = super::super::test_page(
            "news",
            "<html><body><main><p>\"A great partner,\" said John Roe, the CEO of Partner Corp.</p>\
             </main></body></html>",
        );
        assert!(super::super::extract(&[news], None).people.is_empty());
    }

    #[test]
    fn testimonials_in_prose_are_not_staff() {
        let f = team(
            "<blockquote><p>Tom Berg, the owner of Berg Bakery, loves them.</p></blockquote>
             <div class=\"testimonial\"><p>Mia Chen (CEO) says thanks.</p></div>",
        );
        assert!(f.people.is_empty(), "{:?}", people(&f));
    }
}
