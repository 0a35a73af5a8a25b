//! What a page shows to fingerprints: HTML, script URLs, inline script code, meta tags,
//! response headers, cookies and the URL. A light tag scanner reads scripts and meta tags out
//! of the raw HTML (no DOM is built: it runs once per page on every fetched page).

use crate::model::StoredPage;

/// Everything of one page that fingerprints are matched against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageSignals<'a> {
    /// The page URL (after redirects).
    pub url: &'a str,
    /// The raw HTML.
    pub html: &'a str,
    /// The `src` of every `<script>` tag, as written (entities decoded).
    pub script_src: Vec<String>,
    /// The code of the inline scripts (not JSON-LD), one per line.
    pub scripts: String,
    /// Meta tags: lowercased `name` (or `property`, `http-equiv`, `itemprop`) and `content`.
    pub meta: Vec<(String, String)>,
    /// Response headers: lowercased name and value.
    pub headers: Vec<(String, String)>,
    /// Cookies from `set-cookie` headers: lowercased name and value.
    pub cookies: Vec<(String, String)>,
}

impl<'a> PageSignals<'a> {
    /// Reads script sources, inline scripts and meta tags out of `html`.
    pub fn from_html(url: &'a str, html: &'a str) -> PageSignals<'a> {
        let mut s = PageSignals {
            url,
            html,
            ..PageSignals::default()
        };
        scan(html, &mut s);
        s
    }

    /// A fetched page with its stored response headers.
    pub fn from_page(page: &'a StoredPage) -> PageSignals<'a> {
        PageSignals::from_html(&page.final_url, &page.body).with_headers(&page.headers)
    }

    /// Adds response headers (any case); `set-cookie` values (one cookie per header, or several
    /// joined by newlines or commas) also become cookies.
    pub fn with_headers<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        headers: impl IntoIterator<Item = (K, V)>,
    ) -> PageSignals<'a> {
        for (k, v) in headers {
            let name = k.as_ref().trim().to_ascii_lowercase();
            let value = v.as_ref().trim();
            if name == "set-cookie" {
                self.cookies.extend(parse_set_cookie(value));
            }
            self.headers.push((name, value.to_string()));
        }
        self
    }

    /// Adds cookies (name, value), e.g. from a cookie jar.
    pub fn with_cookies<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        cookies: impl IntoIterator<Item = (K, V)>,
    ) -> PageSignals<'a> {
        self.cookies.extend(cookies.into_iter().map(|(k, v)| {
            (
                k.as_ref().trim().to_ascii_lowercase(),
                v.as_ref().to_string(),
            )
        }));
        self
    }
}

/// The cookies of one or more `set-cookie` values. Commas inside `Expires=` dates are not
/// separators: a new cookie starts only where a `name=` without spaces follows the comma.
pub fn parse_set_cookie(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in value.lines() {
        let mut starts = vec![0];
        for (i, _) in line.match_indices(',') {
            let rest = &line[i + 1..];
            let head = rest.split(['=', ';']).next().unwrap_or("");
            if rest.contains('=') && !head.trim().is_empty() && !head.trim().contains(' ') {
                starts.push(i + 1);
            }
        }
        starts.push(line.len() + 1);
        for w in starts.windows(2) {
            let cookie = &line[w[0]..w[1] - 1];
            let pair = cookie.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                let name = name.trim();
                if !name.is_empty() {
                    out.push((name.to_ascii_lowercase(), value.trim().to_string()));
                }
            }
        }
    }
    out
}

fn tag_is(bytes: &[u8], at: usize, name: &[u8]) -> bool {
    let end = at + name.len();
    end < bytes.len()
        && bytes[at..end].eq_ignore_ascii_case(name)
        && matches!(bytes[end], b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>')
}

/// Finds `needle` (lowercase ASCII) in `hay` from `from`, ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let rel = hay[i..]
            .iter()
            .position(|&b| b.to_ascii_lowercase() == first)?;
        i += rel;
        if i + needle.len() <= hay.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Attributes of a tag starting after its name at `at`; returns them and the index after `>`.
fn attributes(html: &str, mut at: usize) -> (Vec<(String, &str)>, usize) {
    let b = html.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while at < b.len() && (b[at].is_ascii_whitespace() || b[at] == b'/') {
            at += 1;
        }
        if at >= b.len() {
            return (attrs, b.len());
        }
        if b[at] == b'>' {
            return (attrs, at + 1);
        }
        let start = at;
        while at < b.len() && !b[at].is_ascii_whitespace() && !matches!(b[at], b'=' | b'>' | b'/') {
            at += 1;
        }
        let name = html[start..at].to_ascii_lowercase();
        while at < b.len() && b[at].is_ascii_whitespace() {
            at += 1;
        }
        let mut value = "";
        if at < b.len() && b[at] == b'=' {
            at += 1;
            while at < b.len() && b[at].is_ascii_whitespace() {
                at += 1;
            }
            if at < b.len() && (b[at] == b'"' || b[at] == b'\'') {
                let q = b[at];
                let end = b[at + 1..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| at + 1 + p);
                value = &html[at + 1..end];
                at = (end + 1).min(b.len());
            } else {
                let s = at;
                while at < b.len() && !b[at].is_ascii_whitespace() && b[at] != b'>' {
                    at += 1;
                }
                value = &html[s..at];
            }
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
}

fn decode(v: &str) -> String {
    if !v.contains('&') {
        return v.trim().to_string();
    }
    v.trim()
        .replace("&amp;", "&")
        .replace("&#038;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn attr<'h>(attrs: &[(String, &'h str)], name: &str) -> Option<&'h str> {
    attrs.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
}

fn scan(html: &str, s: &mut PageSignals<'_>) {
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(rel) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        let at = i + rel + 1;
        i = at;
        if tag_is(b, at, b"script") {
            let (attrs, after) = attributes(html, at + 6);
            let close = find_ci(b, b"</script", after).unwrap_or(b.len());
            if let Some(src) = attr(&attrs, "src") {
                let src = decode(src);
                if !src.is_empty() {
                    s.script_src.push(src);
                }
            } else if !attr(&attrs, "type").is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t.contains("json") || t.contains("template")
            }) {
                let code = html[after.min(close)..close].trim();
                if !code.is_empty() {
                    s.scripts.push_str(code);
                    s.scripts.push('\n');
                }
            }
            i = close.max(after);
        } else if tag_is(b, at, b"meta") {
            let (attrs, after) = attributes(html, at + 4);
            i = after;
            let key = ["name", "property", "http-equiv", "itemprop"]
                .iter()
                .find_map(|k| attr(&attrs, k));
            if let (Some(key), Some(content)) = (key, attr(&attrs, "content")) {
                s.meta
                    .push((key.trim().to_ascii_lowercase(), decode(content)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_scripts_and_meta() {
        let html = r#"<html><head>
            <META NAME="Generator" content="WordPress 6.4.2">
            <meta property='og:type' content=website>
            <script src="/a.js?x=1&amp;y=2"></script>
            <script type="application/ld+json">{"@type":"Thing"}</script>
            <SCRIPT>var a = "<div>";</SCRIPT >
            <script async src=//js.hs-scripts.com/1.js></script>
            </head></html>"#;
        let s = PageSignals::from_html("http://a.test/", html);
        assert_eq!(s.script_src, ["/a.js?x=1&y=2", "//js.hs-scripts.com/1.js"]);
        assert_eq!(s.scripts, "var a = \"<div>\";\n");
        assert_eq!(
            s.meta,
            [
                ("generator".to_string(), "WordPress 6.4.2".to_string()),
                ("og:type".to_string(), "website".to_string())
            ]
        );
    }

    #[test]
    fn parses_set_cookie() {
        let c = parse_set_cookie(
            "PHPSESSID=abc; path=/\nlaravel_session=x; expires=Wed, 21 Oct 2025 07:28:00 GMT; HttpOnly, XSRF-TOKEN=t; Path=/",
        );
        let names: Vec<_> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["phpsessid", "laravel_session", "xsrf-token"]);
        assert_eq!(c[0].1, "abc");
    }
}
