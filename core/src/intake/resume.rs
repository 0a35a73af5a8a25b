//! Deciding what an uploaded résumé is from its bytes and structure: a PDF, a Word 97–2003
//! document (OLE compound file with a `WordDocument` stream) or a Word 2007+ document (a zip
//! with `[Content_Types].xml` and `word/document.xml`). A DOCX is unpacked under limits so
//! that a zip bomb is refused instead of filling memory or disk.

use std::io::{Cursor, Read};

/// The kinds of résumé accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeKind {
    /// PDF.
    Pdf,
    /// Word 97–2003.
    Doc,
    /// Word 2007 and later.
    Docx,
}

impl ResumeKind {
    /// Stored name and file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ResumeKind::Pdf => "pdf",
            ResumeKind::Doc => "doc",
            ResumeKind::Docx => "docx",
        }
    }

    /// The content type it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ResumeKind::Pdf => "application/pdf",
            ResumeKind::Doc => "application/msword",
            ResumeKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// Bounds on unpacking a DOCX.
#[derive(Debug, Clone, Copy)]
pub struct UnpackLimits {
    /// Most bytes all entries may unpack to together.
    pub max_unpacked: u64,
    /// Most entries.
    pub max_entries: usize,
    /// Highest ratio of unpacked to packed size for one entry.
    pub max_ratio: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        UnpackLimits {
            max_unpacked: 64 * 1024 * 1024,
            max_entries: 2000,
            max_ratio: 200,
        }
    }
}

/// Why a file was refused, in words for the person uploading it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused(m: impl Into<String>) -> Refused {
    Refused(m.into())
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What `bytes` is, or why it is not an accepted résumé.
pub fn inspect(bytes: &[u8], limits: UnpackLimits) -> Result<ResumeKind, Refused> {
    if bytes.is_empty() {
        return Err(refused("is empty"));
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        let tail = &bytes[bytes.len().saturating_sub(2048)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(refused("is an incomplete PDF (no end-of-file marker)"));
        }
        return Ok(ResumeKind::Pdf);
    }
    if bytes.starts_with(&OLE_MAGIC) {
        let file = cfb::CompoundFile::open(Cursor::new(bytes))
            .map_err(|e| refused(format!("is a damaged Word 97–2003 file: {e}")))?;
        if !file.is_stream("/WordDocument") {
            return Err(refused(
                "is an Office file but not a Word document (no WordDocument stream)",
            ));
        }
        return Ok(ResumeKind::Doc);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        check_docx(bytes, limits)?;
        return Ok(ResumeKind::Docx);
    }
    Err(refused(
        "is not a PDF, DOC or DOCX file (judged by its content, not its name)",
    ))
}

fn check_docx(bytes: &[u8], limits: UnpackLimits) -> Result<(), Refused> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refused(format!("is a damaged DOCX file: {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(refused(format!(
            "is a DOCX with {} parts (at most {} allowed)",
            zip.len(),
            limits.max_entries
        )));
    }
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    for required in ["[Content_Types].xml", "word/document.xml"] {
        if !names.iter().any(|n| n == required) {
            return Err(refused(format!(
                "is a zip file but not a Word document (no {required})"
            )));
        }
    }
    let bomb = || {
        refused(format!(
            "unpacks to more than {} MB: refused as a possible zip bomb",
            limits.max_unpacked / (1024 * 1024)
        ))
    };
    // Declared sizes first (cheap), then the real ones: a zip can lie about its sizes.
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| refused(format!("is a damaged DOCX file: {e}")))?;
        declared = declared.saturating_add(entry.size());
        if entry.size()
            > entry
                .compressed_size()
                .max(1)
                .saturating_mul(limits.max_ratio)
        {
            return Err(refused(format!(
                "has a part that unpacks {}× its packed size: refused as a possible zip bomb",
                entry.size() / entry.compressed_size().max(1)
            )));
        }
    }
    if declared > limits.max_unpacked {
        return Err(bomb());
    }
    let mut budget = limits.max_unpacked;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| refused(format!("cannot be read as a DOCX: {e}")))?;
        let read = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink())
            .map_err(|e| refused(format!("cannot be read as a DOCX: {e}")))?;
        if read > budget {
            return Err(bomb());
        }
        budget -= read;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn docx(document: &[u8]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("[Content_Types].xml", opts).unwrap();
        w.write_all(b"<Types/>").unwrap();
        w.start_file("word/document.xml", opts).unwrap();
        w.write_all(document).unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn kinds_are_told_by_content() {
        let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
        assert_eq!(inspect(pdf, UnpackLimits::default()), Ok(ResumeKind::Pdf));
        let doc = docx(b"<w:document>Jane Doe, engineer</w:document>");
        assert_eq!(inspect(&doc, UnpackLimits::default()), Ok(ResumeKind::Docx));
        let text = b"Jane Doe\nEngineer\n";
        assert!(
            inspect(text, UnpackLimits::default())
                .unwrap_err()
                .0
                .contains("not a PDF")
        );
        let cut = b"%PDF-1.4\n1 0 obj <<>> endobj\n";
        assert!(
            inspect(cut, UnpackLimits::default())
                .unwrap_err()
                .0
                .contains("incomplete")
        );
        assert!(inspect(b"", UnpackLimits::default()).is_err());
    }

    #[test]
    fn a_zip_that_is_not_word_and_a_zip_bomb_are_refused() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"hello").unwrap();
        let plain_zip = w.finish().unwrap().into_inner();
        assert!(
            inspect(&plain_zip, UnpackLimits::default())
                .unwrap_err()
                .0
                .contains("not a Word document")
        );
        let bomb = docx(&vec![b'a'; 4 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        let err = inspect(&bomb, UnpackLimits::default()).unwrap_err();
        assert!(err.0.contains("zip bomb"), "{err}");
        let small = UnpackLimits {
            max_unpacked: 1024,
            max_ratio: u64::MAX,
            ..Default::default()
        };
        let big = docx(&vec![b'a'; 8 * 1024]);
        assert!(inspect(&big, small).unwrap_err().0.contains("zip bomb"));
    }

    #[test]
    fn an_ole_file_without_a_word_stream_is_refused() {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/Workbook")
            .unwrap()
            .write_all(b"x")
            .unwrap();
        let xls = cf.into_inner().into_inner();
        assert!(
            inspect(&xls, UnpackLimits::default())
                .unwrap_err()
                .0
                .contains("not a Word")
        );
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/WordDocument")
            .unwrap()
            .write_all(b"x")
            .unwrap();
        let doc = cf.into_inner().into_inner();
        assert_eq!(inspect(&doc, UnpackLimits::default()), Ok(ResumeKind::Doc));
    }
}
