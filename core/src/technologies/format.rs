//! The Wappalyzer fingerprint format: reading technology and category files, the pattern
//! suffixes (`\;version:\1`, `\;confidence:50`), JavaScript regex syntax, version templates.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Where on a page a pattern looks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Field {
    /// The raw HTML (Wappalyzer `html`, and `text`, matched against the HTML).
    Html,
    /// Each script URL (`scriptSrc`, and the pre-2020 `script`).
    ScriptSrc,
    /// The inline scripts' code (`scripts`).
    Scripts,
    /// The page URL (`url`).
    Url,
    /// A meta tag's content, by lowercased name (`meta`).
    Meta(String),
    /// A response header's value, by lowercased name (`headers`).
    Header(String),
    /// A cookie's value, by lowercased name (`cookies`).
    Cookie(String),
}

impl Field {
    /// The Wappalyzer key of this field, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Field::Html => "html".into(),
            Field::ScriptSrc => "scriptSrc".into(),
            Field::Scripts => "scripts".into(),
            Field::Url => "url".into(),
            Field::Meta(k) => format!("meta {k}"),
            Field::Header(k) => format!("headers {k}"),
            Field::Cookie(k) => format!("cookies {k}"),
        }
    }
}

/// One pattern as written in a file, before compiling.
#[derive(Debug, Clone)]
pub(crate) struct RawPattern {
    pub field: Field,
    pub raw: String,
}

/// One technology as written in a file.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawTech {
    pub name: String,
    pub cats: Vec<u32>,
    pub website: Option<String>,
    pub patterns: Vec<RawPattern>,
    pub implies: Vec<String>,
    pub excludes: Vec<String>,
    pub requires: Vec<String>,
    pub requires_category: Vec<u32>,
}

/// What a fingerprint file holds.
pub(crate) enum FileContent {
    /// Technologies (and problems with entries that were skipped in part).
    Technologies(Vec<RawTech>, Vec<(String, String)>),
    /// A `categories.json`: id → name.
    Categories(HashMap<u32, String>),
}

/// Reads one Wappalyzer JSON file: a technologies file (name → definition) or a categories
/// file (id → `{"name": …}`). Entries that are not objects are reported and skipped.
pub(crate) fn parse_file(json: &str) -> Result<FileContent, serde_json::Error> {
    let root: Map<String, Value> = serde_json::from_str(json)?;
    let is_categories = !root.is_empty()
        && root.iter().all(|(k, v)| {
            k.parse::<u32>().is_ok()
                && v.get("name").is_some_and(Value::is_string)
                && v.get("cats").is_none()
        });
    if is_categories {
        let cats = root
            .iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v.get("name")?.as_str()?.to_string())))
            .collect();
        return Ok(FileContent::Categories(cats));
    }
    let mut techs = Vec::with_capacity(root.len());
    let mut problems = Vec::new();
    for (name, def) in root {
        let Value::Object(def) = def else {
            problems.push((name, "definition is not an object".to_string()));
            continue;
        };
        techs.push(read_tech(name, &def, &mut problems));
    }
    Ok(FileContent::Technologies(techs, problems))
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

fn read_tech(
    name: String,
    def: &Map<String, Value>,
    problems: &mut Vec<(String, String)>,
) -> RawTech {
    let mut t = RawTech {
        name,
        ..RawTech::default()
    };
    for (key, value) in def {
        match key.as_str() {
            "cats" | "requiresCategory" => {
                let ids: Option<Vec<u32>> = match value {
                    Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_u64().and_then(|n| u32::try_from(n).ok()))
                        .collect(),
                    Value::Number(n) => n
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .map(|n| vec![n]),
                    _ => None,
                };
                match (ids, key.as_str()) {
                    (Some(ids), "cats") => t.cats = ids,
                    (Some(ids), _) => t.requires_category = ids,
                    (None, _) => problems
                        .push((t.name.clone(), format!("{key}: not a list of category ids"))),
                }
            }
            "website" => t.website = value.as_str().map(str::to_string),
            "implies" | "excludes" | "requires" => match strings(value) {
                Some(list) => match key.as_str() {
                    "implies" => t.implies = list,
                    "excludes" => t.excludes = list,
                    _ => t.requires = list,
                },
                None => problems.push((
                    t.name.clone(),
                    format!("{key}: not a string or list of strings"),
                )),
            },
            "html" | "text" | "scriptSrc" | "script" | "scripts" | "url" => {
                let field = match key.as_str() {
                    "html" | "text" => Field::Html,
                    "scriptSrc" | "script" => Field::ScriptSrc,
                    "scripts" => Field::Scripts,
                    _ => Field::Url,
                };
                match strings(value) {
                    Some(list) => t.patterns.extend(list.into_iter().map(|raw| RawPattern {
                        field: field.clone(),
                        raw,
                    })),
                    None => problems.push((
                        t.name.clone(),
                        format!("{key}: not a string or list of strings"),
                    )),
                }
            }
            "meta" | "headers" | "cookies" => {
                let Value::Object(map) = value else {
                    problems.push((t.name.clone(), format!("{key}: not an object")));
                    continue;
                };
                for (k, v) in map {
                    let k = k.to_ascii_lowercase();
                    let field = match key.as_str() {
                        "meta" => Field::Meta(k),
                        "headers" => Field::Header(k),
                        _ => Field::Cookie(k),
                    };
                    match strings(v) {
                        Some(list) => t.patterns.extend(list.into_iter().map(|raw| RawPattern {
                            field: field.clone(),
                            raw,
                        })),
                        None => problems.push((
                            t.name.clone(),
                            format!("{}: not a string or list of strings", field.describe()),
                        )),
                    }
                }
            }
            // Needs a JavaScript engine, a DOM, other requests or DNS: not read.
            _ => {}
        }
    }
    t
}

/// A pattern split into its regex and its Wappalyzer suffixes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatternSpec {
    /// The regex, in JavaScript syntax as written.
    pub regex: String,
    /// The version template (`\1`, `\1?a:b`), when the pattern gives one.
    pub version: Option<String>,
    /// 0–100.
    pub confidence: u8,
}

/// Splits `regex\;version:\1\;confidence:50` into its parts.
pub(crate) fn split_pattern(raw: &str) -> PatternSpec {
    let mut parts = raw.split("\\;");
    let regex = parts.next().unwrap_or("").to_string();
    let mut spec = PatternSpec {
        regex,
        version: None,
        confidence: 100,
    };
    for part in parts {
        let Some((key, value)) = part.split_once(':') else {
            continue;
        };
        match key.trim() {
            "version" if !value.is_empty() => spec.version = Some(value.to_string()),
            "confidence" => {
                spec.confidence = value
                    .trim()
                    .parse::<u32>()
                    .map_or(100, |c| c.min(100) as u8);
            }
            _ => {}
        }
    }
    spec
}

/// A name with an optional `\;confidence:N` suffix, as in `implies`.
pub(crate) fn split_name(raw: &str) -> (String, u8) {
    let spec = split_pattern(raw);
    (spec.regex.trim().to_string(), spec.confidence)
}

/// Rewrites a JavaScript regex into the syntax of the `regex` crate: escapes that JavaScript
/// treats as literal characters (`\/`, `\<`, `\-` …), a `{` that does not start a repetition,
/// `[` and doubled `&&`/`~~`/`--` inside a class, the empty classes `[]` and `[^]`.
pub(crate) fn js_to_rust(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            match chars.get(i + 1) {
                None => out.push_str("\\\\"),
                Some(&d) if d.is_ascii_alphanumeric() => {
                    out.push('\\');
                    out.push(d);
                }
                Some(&d) => {
                    if regex_syntax::is_meta_character(d) {
                        out.push('\\');
                    }
                    out.push(d);
                }
            }
            i += 2;
            continue;
        }
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '-' if chars.get(i + 1) == Some(&'-') => {
                    out.push_str("-\\-");
                    i += 1;
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                let negated = chars.get(i + 1) == Some(&'^');
                let first = i + 1 + usize::from(negated);
                if chars.get(first) == Some(&']') {
                    // `[]` matches nothing, `[^]` any character.
                    out.push_str(if negated {
                        "(?s:.)"
                    } else {
                        "[^\\x00-\\x{10FFFF}]"
                    });
                    i = first + 1;
                    continue;
                }
                in_class = true;
                out.push('[');
                if negated {
                    out.push('^');
                }
                i = first;
                continue;
            }
            '{' => {
                let rest: String = chars[i + 1..].iter().take(24).collect();
                match repetition_len(&rest) {
                    Some(n) => {
                        out.push('{');
                        out.push_str(&rest[..n]);
                        i += 1 + n;
                        continue;
                    }
                    None => out.push_str("\\{"),
                }
            }
            '}' => out.push_str("\\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Length of `n}`, `n,}` or `n,m}` at the start of `s`, when a repetition follows a `{`.
fn repetition_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(0);
    if n == 0 {
        return None;
    }
    let mut at = n;
    if b.get(at) == Some(&b',') {
        at += 1;
        at += digits(at);
    }
    (b.get(at) == Some(&b'}')).then_some(at + 1)
}

/// Captures longer than this are not versions (Wappalyzer ignores long ones too).
const MAX_VERSION_PART: usize = 24;

/// Resolves a version template (`\1`, `\1?yes:no`, `v\2`) against a match's capture groups.
pub(crate) fn resolve_version(
    template: &str,
    group: &dyn Fn(usize) -> Option<String>,
) -> Option<String> {
    let part = |n: usize| {
        group(n)
            .filter(|g| g.len() <= MAX_VERSION_PART)
            .unwrap_or_default()
    };
    let mut t = template.to_string();
    // Ternary: `\N?a:b` (the `b` runs to the end of the template, as in Wappalyzer).
    if let Some((start, n, rest)) = find_ref(&t, true)
        && let Some((a, b)) = t[rest..].split_once(':')
    {
        let chosen = if part(n).is_empty() { b } else { a };
        t = format!("{}{}", &t[..start], chosen);
    }
    let mut out = String::new();
    let mut from = 0;
    while let Some((start, n, end)) = find_ref(&t[from..], false) {
        out.push_str(&t[from..from + start]);
        out.push_str(&part(n));
        from += end;
    }
    out.push_str(&t[from..]);
    let v = out.trim().to_string();
    (!v.is_empty()).then_some(v)
}

/// The first `\N` in `t` (with a following `?` when `ternary`): start, group, end.
fn find_ref(t: &str, ternary: bool) -> Option<(usize, usize, usize)> {
    let b = t.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' && b[i + 1].is_ascii_digit() {
            let n = usize::from(b[i + 1] - b'0');
            if !ternary {
                return Some((i, n, i + 2));
            }
            if b.get(i + 2) == Some(&b'?') {
                return Some((i, n, i + 3));
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_suffixes() {
        let s = split_pattern(r"^WordPress(?: ([\d.]+))?\;version:\1");
        assert_eq!(s.regex, r"^WordPress(?: ([\d.]+))?");
        assert_eq!(s.version.as_deref(), Some(r"\1"));
        assert_eq!(s.confidence, 100);
        let s = split_pattern(r"foo\;confidence:50\;version:\1?2:1");
        assert_eq!(s.confidence, 50);
        assert_eq!(s.version.as_deref(), Some(r"\1?2:1"));
        assert_eq!(split_name(r"PHP\;confidence:50"), ("PHP".into(), 50));
    }

    #[test]
    fn translates_javascript_syntax() {
        assert_eq!(js_to_rust(r"a\/b\<c\>"), "a/b<c>");
        assert_eq!(js_to_rust(r"x{y}\d{2,3}"), r"x\{y\}\d{2,3}");
        assert_eq!(js_to_rust(r"[[a&&b]"), r"[\[a\&\&b]");
        assert_eq!(js_to_rust(r"a[^]b[]"), r"a(?s:.)b[^\x00-\x{10FFFF}]");
        assert!(regex::Regex::new(&js_to_rust(r#"<div[^>]+data-x=["'][{]"#)).is_ok());
    }

    #[test]
    fn resolves_version_templates() {
        let caps = |n: usize| match n {
            1 => Some("3.6.0".to_string()),
            2 => None,
            _ => None,
        };
        assert_eq!(resolve_version(r"\1", &caps).as_deref(), Some("3.6.0"));
        assert_eq!(resolve_version(r"v\1", &caps).as_deref(), Some("v3.6.0"));
        assert_eq!(
            resolve_version(r"\1?new:old", &caps).as_deref(),
            Some("new")
        );
        assert_eq!(
            resolve_version(r"\2?new:old", &caps).as_deref(),
            Some("old")
        );
        assert_eq!(resolve_version(r"\2", &caps), None);
    }
}
