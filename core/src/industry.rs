//! The industry taxonomy, and the classifier that places a company in it.
//!
//! Evidence, strongest first: schema.org types, a source's category (a directory's label, map
//! tags), then the words of the company's name and of its home and about pages. Words are
//! matched where a word starts (`dental` in "Dental implants", never `tax` in "syntax"), each
//! term counts at most [`TERM_CAP`] times per text so a repeated word cannot outvote a page, and
//! a text's weight says where it stood (a title says more than a paragraph).

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One industry of the taxonomy.
#[derive(Debug)]
pub struct Industry {
    /// Stable identifier, stored on companies and used in filters.
    pub slug: &'static str,
    /// Name shown to people.
    pub label: &'static str,
    /// schema.org types that mean this industry.
    pub schema_types: &'static [&'static str],
    /// Lowercase words and phrases that point to it. A trailing `*` matches any word starting
    /// with the term; otherwise the term may take a plural `s`/`es`. A leading `~` marks a weak
    /// term (half weight) that other industries use too.
    pub terms: &'static [&'static str],
    /// Whether customers book appointments or tables (so online booking is expected).
    pub books_appointments: bool,
}

/// The fixed taxonomy. Order matters only for ties, and `retail` (any shop) stays last.
pub const TAXONOMY: &[Industry] = &[
    Industry {
        slug: "dentist",
        label: "Dentist",
        schema_types: &["Dentist"],
        terms: &[
            "dentist*",
            "dental",
            "orthodont*",
            "endodont*",
            "periodont*",
            "teeth",
            "tooth",
            "invisalign",
            "root canal",
            "hygienist*",
            "zahnarzt*",
            "zahnärzt*",
            "zahnmedizin*",
            "dentaire",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "law-firm",
        label: "Law Firm",
        schema_types: &["LegalService", "Attorney", "Notary"],
        terms: &[
            "law",
            "lawyer*",
            "~legal",
            "attorney*",
            "solicitor*",
            "barrister*",
            "litigat*",
            "notary",
            "notaries",
            "paralegal*",
            "rechtsanw*",
            "anwalt*",
            "kanzlei",
            "avocat*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "plumber",
        label: "Plumber",
        schema_types: &["Plumber"],
        terms: &[
            "plumb*",
            "drain*",
            "sewer*",
            "pipe",
            "pipework",
            "leak*",
            "water heater",
            "sanitär*",
            "klempner*",
            "installateur*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "hvac",
        label: "Heating, Ventilation and Air Conditioning",
        schema_types: &["HVACBusiness"],
        terms: &[
            "hvac",
            "heating",
            "air conditioning",
            "furnace",
            "boiler",
            "heat pump",
            "ventilation",
            "heizung*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "electrician",
        label: "Electrician",
        schema_types: &["Electrician"],
        terms: &[
            "electrician*",
            "electrical",
            "wiring",
            "rewir*",
            "elektriker*",
            "elektroinstall*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "construction",
        label: "Construction",
        schema_types: &["GeneralContractor", "RoofingContractor", "HousePainter"],
        terms: &[
            "construction",
            "general contractor*",
            "~contractor*",
            "builder",
            "roofing",
            "roofer*",
            "carpent*",
            "masonry",
            "~renovation*",
            "~remodel*",
            "bauunternehm*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "restaurant",
        label: "Restaurant",
        schema_types: &[
            "Restaurant",
            "FoodEstablishment",
            "CafeOrCoffeeShop",
            "BarOrPub",
            "Bakery",
            "FastFoodRestaurant",
            "Brewery",
            "Winery",
        ],
        terms: &[
            "restaurant*",
            "bistro*",
            "cafe",
            "café",
            "eatery",
            "grill",
            "~menu",
            "brunch",
            "dining",
            "dinner",
            "lunch",
            "catering",
            "cuisine",
            "cooking",
            "takeaway",
            "takeout",
            "dish",
            "~food",
            "chef",
            "trattoria",
            "pizzeria",
            "bakery",
            "bakeries",
            "~kitchen",
            "~wine",
            "gasthaus",
            "gaststätte",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "hotel",
        label: "Hotel and Lodging",
        schema_types: &[
            "LodgingBusiness",
            "Hotel",
            "Motel",
            "Hostel",
            "BedAndBreakfast",
            "Resort",
        ],
        terms: &[
            "hotel",
            "hostel",
            "motel",
            "lodging",
            "guesthouse",
            "bed and breakfast",
            "accommodation*",
            "~rooms",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "accounting",
        label: "Accounting",
        schema_types: &["AccountingService"],
        terms: &[
            "accounting",
            "accountant*",
            "bookkeep*",
            "tax",
            "cpa",
            "audit*",
            "payroll",
            "cfo",
            "steuerberat*",
            "buchhaltung",
            "comptab*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "financial-services",
        label: "Financial Services",
        schema_types: &["FinancialService", "BankOrCreditUnion"],
        terms: &[
            "financial plan*",
            "financial advi*",
            "wealth management",
            "asset management",
            "bank",
            "banking",
            "loan",
            "~mortgage",
            "credit union",
            "pension*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "insurance",
        label: "Insurance",
        schema_types: &["InsuranceAgency"],
        terms: &["insurance*", "insurer", "underwrit*", "versicherung*"],
        books_appointments: false,
    },
    Industry {
        slug: "software",
        label: "Software",
        schema_types: &["SoftwareApplication", "WebApplication", "MobileApplication"],
        terms: &[
            "software",
            "saas",
            "app",
            "api",
            "cloud",
            "developer",
            "integration",
            "dashboard",
            "~platform",
            "open source",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "it-services",
        label: "IT Services",
        schema_types: &[],
        terms: &[
            "it services",
            "it support services",
            "managed it services",
            "managed services",
            "cybersecurity",
            "cyber security",
            "help desk",
            "helpdesk",
            "network security",
            "msp",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "marketing-agency",
        label: "Marketing Agency",
        schema_types: &[],
        terms: &[
            "~marketing",
            "~advertising",
            "seo",
            "search engine optimi*",
            "branding",
            "brand identity",
            "campaign",
            "social media",
            "web design",
            "~agency",
            "~agencies",
            "werbeagentur*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "real-estate",
        label: "Real Estate",
        schema_types: &["RealEstateAgent"],
        terms: &[
            "real estate",
            "realtor*",
            "realty",
            "property",
            "properties",
            "estate agent*",
            "homes for sale",
            "lettings",
            "letting agent*",
            "immobilien*",
            "makler*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "healthcare",
        label: "Healthcare",
        schema_types: &[
            "MedicalClinic",
            "MedicalBusiness",
            "MedicalOrganization",
            "Physician",
            "Hospital",
            "Physiotherapy",
            "Optician",
            "Pharmacy",
        ],
        terms: &[
            "~clinic*",
            "medical",
            "medicine",
            "physician*",
            "~health",
            "healthcare",
            "physiotherap*",
            "physio",
            "doctor",
            "nurse",
            "nursing",
            "primary care",
            "pediatric*",
            "paediatric*",
            "pharmac*",
            "optician*",
            "arztpraxis",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "veterinary",
        label: "Veterinary",
        schema_types: &["VeterinaryCare"],
        terms: &[
            "veterinar*",
            "vet",
            "animal hospital",
            "pet",
            "tierarzt*",
            "tierärzt*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "fitness",
        label: "Fitness",
        schema_types: &["ExerciseGym", "HealthClub", "SportsActivityLocation"],
        terms: &[
            "gym",
            "fitness",
            "workout",
            "personal trainer",
            "personal training",
            "yoga",
            "pilates",
            "crossfit",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "beauty",
        label: "Beauty and Personal Care",
        schema_types: &[
            "BeautySalon",
            "HairSalon",
            "NailSalon",
            "DaySpa",
            "HealthAndBeautyBusiness",
        ],
        terms: &[
            "salon",
            "beauty",
            "hairdress*",
            "haircut",
            "barber*",
            "spa",
            "manicure",
            "pedicure",
            "cosmetic*",
            "massage",
            "friseur*",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "automotive",
        label: "Automotive",
        schema_types: &[
            "AutomotiveBusiness",
            "AutoRepair",
            "AutoDealer",
            "AutoBodyShop",
        ],
        terms: &[
            "automotive",
            "auto repair",
            "car",
            "vehicle",
            "mechanic*",
            "tyre",
            "tire",
            "oil change",
            "collision repair",
            "kfz",
            "autowerkstatt",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "education",
        label: "Education",
        schema_types: &[
            "EducationalOrganization",
            "School",
            "CollegeOrUniversity",
            "Preschool",
            "ElementarySchool",
            "HighSchool",
        ],
        terms: &[
            "school",
            "tutor",
            "tutoring",
            "~course",
            "academy",
            "academies",
            "education*",
            "student",
            "kindergarten*",
            "university",
            "universities",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "manufacturing",
        label: "Manufacturing",
        schema_types: &[],
        terms: &[
            "manufactur*",
            "factory",
            "factories",
            "fabricat*",
            "machining",
            "industrial",
            "oem",
            "hersteller",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "logistics",
        label: "Logistics and Transport",
        schema_types: &["MovingCompany"],
        terms: &[
            "logistic*",
            "freight",
            "trucking",
            "courier",
            "warehous*",
            "removals",
            "movers",
            "haulage",
            "spedition*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "architecture",
        label: "Architecture and Design",
        schema_types: &[],
        terms: &["architect*", "interior design*", "landscape design*"],
        books_appointments: false,
    },
    Industry {
        slug: "consulting",
        label: "Consulting",
        schema_types: &[],
        terms: &[
            "consulting",
            "consultancy",
            "consultancies",
            "consultant",
            "management consult*",
            "unternehmensberat*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "staffing",
        label: "Staffing and Recruitment",
        schema_types: &["EmploymentAgency"],
        terms: &[
            "staffing",
            "recruitment",
            "recruiter",
            "headhunt*",
            "executive search",
            "talent acquisition",
            "personalvermittlung",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "cleaning",
        label: "Cleaning Services",
        schema_types: &["HousekeepingService"],
        terms: &[
            "janitor*",
            "cleaning service",
            "cleaning company",
            "house cleaning",
            "commercial cleaning",
            "office cleaning",
            "maid",
            "gebäudereinigung",
        ],
        books_appointments: true,
    },
    Industry {
        slug: "nonprofit",
        label: "Nonprofit",
        schema_types: &["NGO"],
        terms: &[
            "nonprofit",
            "non-profit",
            "charity",
            "charities",
            "donate",
            "donation",
            "volunteer*",
        ],
        books_appointments: false,
    },
    Industry {
        slug: "retail",
        label: "Retail",
        schema_types: &["Store", "ClothingStore", "ShoppingCenter", "OnlineStore"],
        terms: &[
            "shop", "store", "boutique", "retail*", "clothing", "apparel", "fashion",
        ],
        books_appointments: false,
    },
];

/// How often one term counts in one text.
pub const TERM_CAP: u32 = 3;

/// Weighted taxonomy words of a company's texts, by industry slug.
pub type Tally = BTreeMap<String, f32>;

/// One matchable term: the industry it points to, its weight and whether it is a word stem.
struct Term {
    industry: usize,
    weight: f32,
    stem: bool,
    /// Ends in s, x, z, ch or sh, so its plural takes `es`.
    sibilant: bool,
}

struct Matcher {
    automaton: AhoCorasick,
    terms: Vec<Term>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| {
    let mut patterns = Vec::new();
    let mut terms = Vec::new();
    for (industry, ind) in TAXONOMY.iter().enumerate() {
        for raw in ind.terms {
            let (weak, rest) = match raw.strip_prefix('~') {
                Some(r) => (true, r),
                None => (false, *raw),
            };
            let (stem, word) = match rest.strip_suffix('*') {
                Some(w) => (true, w),
                None => (false, rest),
            };
            patterns.push(word.to_string());
            terms.push(Term {
                industry,
                weight: if weak { 0.5 } else { 1.0 },
                stem,
                sibilant: ["s", "x", "z", "ch", "sh"]
                    .iter()
                    .any(|e| word.ends_with(e)),
            });
        }
    }
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("taxonomy terms build an automaton");
    Matcher { automaton, terms }
});

/// Whether a character continues a word (letters and digits of any script, so `Zahnärzte`
/// stays one word while a no-break space, `®` or a curly quote ends one).
fn continues_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Where a whole-word match may end: right after the term, after a plural `s`, or after `es`
/// where English spells the plural so (`taxes`, `branches`; not `cares` for `car`).
fn ends_word(rest: &str, sibilant: bool) -> bool {
    let ends = |s: &str| !continues_word(s.chars().next());
    if ends(rest) {
        return true;
    }
    let plural = |suffix: &str| {
        rest.get(..suffix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(suffix))
            && ends(&rest[suffix.len()..])
    };
    plural("s") || (sibilant && plural("es"))
}

/// Adds the taxonomy words of `text`, times `weight`, to `tally`.
pub fn tally(text: &str, weight: f32, tally: &mut Tally) {
    let m = &*MATCHER;
    let mut counts = vec![0u32; m.terms.len()];
    for hit in m.automaton.find_iter(text) {
        let term = &m.terms[hit.pattern().as_usize()];
        // Terms are whole UTF-8 strings, so a hit starts and ends on character boundaries.
        let starts_word = !continues_word(text[..hit.start()].chars().next_back());
        if !starts_word || (!term.stem && !ends_word(&text[hit.end()..], term.sibilant)) {
            continue;
        }
        let count = &mut counts[hit.pattern().as_usize()];
        if *count >= TERM_CAP {
            continue;
        }
        *count += 1;
        *tally
            .entry(TAXONOMY[term.industry].slug.to_string())
            .or_default() += term.weight * weight;
    }
}

/// The industry with the most weight, when it leads clearly (at least `min` and a quarter more
/// than the runner-up), with the share of the two it holds.
fn leader(t: &Tally, min: f32) -> Option<(&'static str, f32)> {
    let weights: Vec<f32> = TAXONOMY
        .iter()
        .map(|i| t.get(i.slug).copied().unwrap_or(0.0))
        .collect();
    // The first of equal weights leads, so the answer does not depend on map order.
    let (best, w) =
        weights.iter().copied().enumerate().fold(
            (0, 0.0f32),
            |acc, (i, w)| if w > acc.1 { (i, w) } else { acc },
        );
    let second = weights
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, w)| *w)
        .fold(0.0f32, f32::max);
    (w >= min && w >= 1.25 * second).then(|| (TAXONOMY[best].slug, w / (w + second)))
}

/// The industry a schema.org type means (`LegalService` → `law-firm`).
pub fn of_schema_type(t: &str) -> Option<&'static str> {
    let t = t.rsplit(['/', ':']).next().unwrap_or(t);
    TAXONOMY
        .iter()
        .find(|i| i.schema_types.iter().any(|s| s.eq_ignore_ascii_case(t)))
        .map(|i| i.slug)
}

/// Maps a short free text (a search's industry, a directory's category, a schema.org type, a
/// slug or label) to a taxonomy slug.
pub fn classify_text(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if let Some(exact) = TAXONOMY.iter().find(|i| {
        i.slug.eq_ignore_ascii_case(t)
            || i.label.eq_ignore_ascii_case(t)
            || i.slug.replace('-', " ").eq_ignore_ascii_case(t)
    }) {
        return Some(exact.slug);
    }
    if let Some(s) = of_schema_type(t) {
        return Some(s);
    }
    let mut words = Tally::new();
    tally(&t.replace('_', " "), 1.0, &mut words);
    leader(&words, 0.5).map(|(slug, _)| slug)
}

/// The industry a company's name and page words point to, with a confidence, when one leads
/// clearly. A word of the name weighs as much as three on its pages.
pub fn classify_words(name: Option<&str>, page_words: &Tally) -> Option<(&'static str, f32)> {
    let mut all = page_words.clone();
    if let Some(n) = name {
        tally(n, 3.0, &mut all);
    }
    let (slug, share) = leader(&all, 2.0)?;
    let total: f32 = all.get(slug).copied().unwrap_or(0.0);
    // More evidence and a wider lead both raise it; words alone never reach structured data.
    let amount = (total / 8.0).min(1.0);
    Some((slug, 0.4 + 0.35 * share * amount))
}

/// The taxonomy entry of a slug.
pub fn get(slug: &str) -> Option<&'static Industry> {
    TAXONOMY.iter().find(|i| i.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Tally {
        let mut t = Tally::new();
        tally(text, 1.0, &mut t);
        t
    }

    #[test]
    fn short_texts_map_to_the_taxonomy() {
        assert_eq!(classify_text("Dentists"), Some("dentist"));
        assert_eq!(classify_text("lawyer"), Some("law-firm"));
        assert_eq!(classify_text("LegalService"), Some("law-firm"));
        assert_eq!(classify_text("https://schema.org/Dentist"), Some("dentist"));
        assert_eq!(classify_text("Law Firm"), Some("law-firm"));
        assert_eq!(classify_text("real estate"), Some("real-estate"));
        assert_eq!(classify_text("dental_clinic"), Some("dentist"));
        assert_eq!(classify_text("Zahnärzte"), Some("dentist"));
        assert_eq!(classify_text("HVAC contractors"), Some("hvac"));
        assert_eq!(classify_text("car_repair"), Some("automotive"));
        assert_eq!(classify_text("Hair salons"), Some("beauty"));
        assert_eq!(classify_text("nothing known"), None);
    }

    #[test]
    fn words_match_at_word_starts_with_plurals_and_stems() {
        // `tax` inside `syntax`, `law` inside `lawn`, `app` inside `happy` do not count.
        assert!(words("syntax lawn happy application").is_empty());
        // `es` is a plural only where English spells it so; a curly quote or a registered
        // sign ends a word, a letter of any script does not.
        assert!(words("she cares about tutorials").is_empty());
        assert_eq!(words("Invisalign® and “pizzeria”")["dentist"], 1.0);
        assert_eq!(words("Invisalign® and “pizzeria”")["restaurant"], 1.0);
        assert!(words("Carbonara").is_empty());
        assert_eq!(words("taxes")["accounting"], 1.0);
        assert_eq!(words("Plumbing and plumbers")["plumber"], 2.0);
        assert_eq!(words("Zahnarztpraxis")["dentist"], 1.0);
        // One word repeated counts at most TERM_CAP times; weak terms count half.
        assert_eq!(
            words("brunch brunch brunch brunch brunch")["restaurant"],
            3.0
        );
        assert_eq!(words("a design agency")["marketing-agency"], 0.5);
    }

    #[test]
    fn pages_decide_when_one_industry_leads_clearly() {
        let page = words(
            "Teeth whitening. Invisalign. Dental implants. Emergency dentistry. \
             Root canal therapy. Gentle, modern dentistry for the whole family.",
        );
        let (slug, confidence) = classify_words(Some("Northside Care"), &page).unwrap();
        assert_eq!(slug, "dentist");
        assert!(confidence > 0.6 && confidence < 0.8, "{confidence}");
        // A law firm that also handles real estate transactions is a law firm.
        let firm = words(
            "Business litigation. Estate planning. Employment law. Real estate transactions. \
             Family law. Practical legal advice for businesses and families.",
        );
        assert_eq!(classify_words(None, &firm).unwrap().0, "law-firm");
        // Two industries in a dead heat, or a single passing word, decide nothing.
        assert_eq!(classify_words(None, &words("menu and software")), None);
        assert_eq!(classify_words(None, &words("our shop")), None);
        // The name alone is enough when the pages say nothing.
        assert_eq!(
            classify_words(Some("Oak Street Plumbing"), &Tally::new())
                .unwrap()
                .0,
            "plumber"
        );
    }

    #[test]
    fn every_term_is_lowercase_and_every_slug_unique() {
        let mut slugs: Vec<_> = TAXONOMY.iter().map(|i| i.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), TAXONOMY.len());
        for i in TAXONOMY {
            for t in i.terms {
                assert_eq!(*t, t.to_lowercase(), "{}: {t}", i.slug);
            }
        }
    }
}
