//! Small string helpers: slugs, HTML escaping, base64 and a stable hash.

use unicode_normalization::UnicodeNormalization;

/// ASCII slug: lowercase, umlauts transliterated, other accents dropped, `&` as "and",
/// everything else non-alphanumeric collapsed into single dashes.
pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        let piece: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' => "ss",
            '&' => "and",
            '\'' | '’' | '.' => "",
            _ => {
                // Other accented letters lose their accent (`é` → `e`), as addresses write them.
                let base = if c.is_ascii_alphanumeric() {
                    Some(c)
                } else {
                    std::iter::once(c)
                        .nfd()
                        .next()
                        .filter(|b| b.is_ascii_alphanumeric())
                };
                match base {
                    Some(b) => {
                        if dash && !out.is_empty() {
                            out.push('-');
                        }
                        dash = false;
                        out.push(b.to_ascii_lowercase());
                    }
                    None => dash = true,
                }
                continue;
            }
        };
        if piece.is_empty() {
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push_str(piece);
    }
    out
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Inverse of [`base64`]; `None` on malformed input. Used by tests to read what a browser would.
#[cfg(test)]
pub(crate) fn unbase64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// FNV-1a: a hash that, unlike std's, is the same in every process, so per-request jitter is
/// reproducible.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Keller & Sons Plumbing"),
            "keller-and-sons-plumbing"
        );
        assert_eq!(slugify("Müller's Küche GmbH"), "muellers-kueche-gmbh");
        assert_eq!(slugify("  Plumbing Co. "), "plumbing-co");
    }

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "abcd", "Straße 12 <b>"] {
            let enc = base64(s.as_bytes());
            assert_eq!(unbase64(&enc).unwrap(), s.as_bytes());
        }
        assert_eq!(base64(b"hello"), "aGVsbG8=");
    }
}
