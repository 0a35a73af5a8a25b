//! File names from clients, made safe to show and to offer on download: no directories, no
//! control or shell-special characters, a bounded length, and the extension of what the file
//! really is.

/// A safe name for a file the client called `raw`, ending in `.ext`.
pub fn sanitise(raw: &str, ext: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let mut out = String::new();
    for c in stem.chars() {
        let keep = c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '(' | ')' | '.');
        let c = if keep { c } else { '_' };
        // Runs of replaced or blank characters collapse to one.
        if (c == '_' || c == ' ') && out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    let trimmed: String = out
        .trim_matches(|c: char| c == '.' || c == ' ' || c == '_')
        .chars()
        .take(100)
        .collect();
    let stem = if trimmed.is_empty() {
        "resume"
    } else {
        trimmed.as_str()
    };
    format!("{stem}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_specials_and_lies_about_their_type() {
        assert_eq!(sanitise("../../etc/passwd", "pdf"), "passwd.pdf");
        assert_eq!(
            sanitise("C:\\Users\\jane\\CV 2026.docx", "docx"),
            "CV 2026.docx"
        );
        assert_eq!(sanitise("cv.exe", "pdf"), "cv.pdf");
        assert_eq!(
            sanitise("a\r\nContent-Type: x;\"b\".pdf", "pdf"),
            "a_Content-Type_ x_b.pdf"
        );
        assert_eq!(sanitise("", "doc"), "resume.doc");
        assert_eq!(sanitise("...", "doc"), "resume.doc");
        assert_eq!(
            sanitise("Lebenslauf Müller.pdf", "pdf"),
            "Lebenslauf Müller.pdf"
        );
        assert_eq!(sanitise(&"x".repeat(500), "pdf").len(), 104);
    }
}
