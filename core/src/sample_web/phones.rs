//! Phone numbers: unique per sample web, valid for their country, written the local way.

use super::data::{CITIES, City, Locale};
use std::collections::HashSet;

/// One allocated number.
#[derive(Clone, Debug)]
pub(crate) struct Phone {
    /// E.164, the truth value.
    pub e164: String,
    /// National significant number split into its groups, e.g. `["512", "555", "0123"]`.
    groups: Vec<String>,
    locale: Locale,
}

impl Phone {
    /// The way a local business writes its number; `style` picks among the common variants.
    pub fn display(&self, style: usize) -> String {
        let g = &self.groups;
        match self.locale {
            Locale::Us => match style % 4 {
                0 | 3 => format!("({}) {}-{}", g[0], g[1], g[2]),
                1 => format!("{}-{}-{}", g[0], g[1], g[2]),
                _ => format!("{}.{}.{}", g[0], g[1], g[2]),
            },
            Locale::Gb => match style % 2 {
                0 => format!("+44 {} {} {}", g[0], g[1], g[2]),
                _ => format!("0{} {} {}", g[0], g[1], g[2]),
            },
            Locale::De => match style % 3 {
                0 => format!("+49 {} {}", g[0], g[1]),
                1 => format!("0{} {}", g[0], g[1]),
                _ => format!("+49 ({}) {}", g[0], g[1]),
            },
            Locale::Fr => match style % 3 {
                0 => format!("0{} {}", g[0], g[1..].join(" ")),
                1 => format!("+33 {} {}", g[0], g[1..].join(" ")),
                _ => format!("0{}.{}", g[0], g[1..].join(".")),
            },
        }
    }

    /// Value for a `tel:` link; some sites link the local form rather than E.164.
    pub fn tel_href(&self, style: usize) -> String {
        if style % 3 == 2 {
            let national: String = self.groups.concat();
            match self.locale {
                Locale::Us => format!(
                    "tel:{}-{}-{}",
                    self.groups[0], self.groups[1], self.groups[2]
                ),
                _ => format!("tel:0{national}"),
            }
        } else {
            format!("tel:{}", self.e164)
        }
    }
}

/// Hands out numbers per city so no two companies share one (shared numbers would make
/// deduplication by phone merge unrelated companies).
pub(crate) struct PhoneAllocator {
    next: Vec<usize>,
    /// Shuffled low digits so consecutive companies do not get consecutive numbers.
    perms: Vec<Vec<usize>>,
    /// Numbers handed out where they are drawn at random (Germany, France).
    used: HashSet<String>,
}

impl PhoneAllocator {
    pub fn new(rng: &mut fastrand::Rng) -> PhoneAllocator {
        let perms = CITIES
            .iter()
            .map(|c| {
                let n = if c.locale == Locale::Gb { 1000 } else { 100 };
                let mut p: Vec<usize> = (0..n).collect();
                rng.shuffle(&mut p);
                p
            })
            .collect();
        PhoneAllocator {
            next: vec![0; CITIES.len()],
            perms,
            used: HashSet::new(),
        }
    }

    pub fn allocate(&mut self, rng: &mut fastrand::Rng, city_idx: usize) -> Phone {
        let city: &City = &CITIES[city_idx];
        let i = self.next[city_idx];
        self.next[city_idx] += 1;
        match city.locale {
            Locale::Us => {
                // 555-0100..0199 is the fictional range; past it we move to other 555 blocks so
                // large benchmark webs still get unique numbers.
                let per_block = 100 * city.area_codes.len();
                let block = 1 + i / per_block;
                let area = city.area_codes[(i / 100) % city.area_codes.len()];
                let low = self.perms[city_idx][i % 100];
                let line = format!("{:02}{:02}", block % 100, low);
                Phone {
                    e164: format!("+1{area}555{line}"),
                    groups: vec![area.to_string(), "555".to_string(), line],
                    locale: Locale::Us,
                }
            }
            Locale::Gb => {
                // 020 7946 0000..0999 is Ofcom's drama range.
                let low = self.perms[city_idx][i % 1000] + 1000 * (i / 1000);
                let last = format!("{:04}", low % 10000);
                Phone {
                    e164: format!("+44207946{last}"),
                    groups: vec!["20".to_string(), "7946".to_string(), last],
                    locale: Locale::Gb,
                }
            }
            Locale::De => loop {
                let sub = format!("{}{:06}", rng.u32(2..10), rng.u32(0..1_000_000));
                if self.used.insert(sub.clone()) {
                    break Phone {
                        e164: format!("+4930{sub}"),
                        groups: vec!["30".to_string(), sub],
                        locale: Locale::De,
                    };
                }
            },
            // Paris landlines: 01 then eight digits, written in pairs.
            Locale::Fr => loop {
                let sub = format!("4{}{:06}", rng.u32(0..10), rng.u32(0..1_000_000));
                if self.used.insert(format!("fr{sub}")) {
                    let pairs = (0..4).map(|k| sub[2 * k..2 * k + 2].to_string());
                    break Phone {
                        e164: format!("+331{sub}"),
                        groups: std::iter::once("1".to_string()).chain(pairs).collect(),
                        locale: Locale::Fr,
                    };
                }
            },
        }
    }
}
