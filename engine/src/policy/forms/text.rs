//! Bytes to text for the forms: regedit writes UTF-16LE with a byte-order mark, Task Scheduler
//! XML is UTF-16 too, scripts and JSON are UTF-8 (with or without a BOM). The BOM decides.
//!
//! Without a BOM (`iconv -t UTF-16LE` writes none) the first two bytes decide: every form
//! starts with an ASCII character (`W`indows Registry Editor, `r`eg add, `{`, `<`, `#`...), so
//! an ASCII byte then a NUL is UTF-16LE and a NUL then an ASCII byte is UTF-16BE. Neither pair
//! begins any meaningful UTF-8 text, so decoding is unambiguous and chosen over refusing.
//! Anything else must be UTF-8, and a NUL byte in it is refused (`UTF-16 without a byte-order
//! mark` that starts otherwise would pass as ASCII text with NULs and read as no values).

use crate::diagnostic::{Diagnostic, SourceFile};

/// Decodes a file's bytes (UTF-16LE/BE with BOM, or without one when the text starts with an
/// ASCII character; UTF-8 with or without BOM) into a [`SourceFile`] named `name`, BOM removed.
///
/// # Errors
/// `forms::encoding` with the line and column of the first byte that cannot be decoded (an odd
/// byte count in UTF-16 is a truncated file; an unpaired surrogate is invalid; a NUL byte in
/// UTF-8 is UTF-16 without a byte-order mark).
pub fn decode_text(name: &str, bytes: &[u8]) -> Result<SourceFile, Box<Diagnostic>> {
    let le = u16::from_le_bytes as fn([u8; 2]) -> u16;
    let be = u16::from_be_bytes as fn([u8; 2]) -> u16;
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, le)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, be)),
        [first, 0, ..] if *first != 0 && first.is_ascii() => Some((bytes, le)),
        [0, second, ..] if *second != 0 && second.is_ascii() => Some((bytes, be)),
        _ => None,
    };
    if let Some((rest, unit)) = utf16 {
        return decode_utf16(name, rest, unit);
    }
    let rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(rest) {
        Ok(text) => match text.find('\0') {
            None => Ok(SourceFile::new(name, text)),
            Some(at) => Err(Box::new(
                Diagnostic::error(
                    "forms::encoding",
                    "a NUL byte: the file looks like UTF-16 without a byte-order mark",
                )
                .at(&SourceFile::new(name, text), at..at)
                .with_hint("save the file as UTF-8, or as UTF-16 with a BOM as regedit does"),
            )),
        },
        Err(error) => {
            let valid = String::from_utf8_lossy(&rest[..error.valid_up_to()]).into_owned();
            let at = valid.len();
            let source = SourceFile::new(name, valid);
            Err(Box::new(
                Diagnostic::error(
                    "forms::encoding",
                    format!(
                        "byte 0x{:02X} is not UTF-8 (and the file has no UTF-16 byte-order mark)",
                        rest[error.valid_up_to()]
                    ),
                )
                .at(&source, at..at)
                .with_hint("save the file as UTF-8, or as UTF-16 with a BOM as regedit does"),
            ))
        }
    }
}

fn decode_utf16(
    name: &str,
    bytes: &[u8],
    unit: fn([u8; 2]) -> u16,
) -> Result<SourceFile, Box<Diagnostic>> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => text.push(c),
            Err(error) => {
                let at = text.len();
                let source = SourceFile::new(name, text);
                return Err(Box::new(
                    Diagnostic::error(
                        "forms::encoding",
                        format!("unpaired UTF-16 surrogate 0x{:04X}", error.unpaired_surrogate()),
                    )
                    .at(&source, at..at)
                    .with_hint("the file is not valid UTF-16: export it again"),
                ));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let at = text.len();
        let source = SourceFile::new(name, text);
        return Err(Box::new(
            Diagnostic::error(
                "forms::encoding",
                "the UTF-16 file ends in the middle of a character (an odd number of bytes)",
            )
            .at(&source, at..at)
            .with_hint("the file is truncated: export it again"),
        ));
    }
    Ok(SourceFile::new(name, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[rstest]
    #[case::utf8(b"REGEDIT4\n".to_vec(), Ok("REGEDIT4\n"))]
    #[case::utf8_bom(b"\xEF\xBB\xBFab".to_vec(), Ok("ab"))]
    #[case::utf16le(utf16le("a\r\nb"), Ok("a\r\nb"))]
    #[case::utf16be(vec![0xFE, 0xFF, 0, b'a'], Ok("a"))]
    #[case::latin1(b"a\nb\xe9".to_vec(), Err("2:2"))]
    #[case::odd_utf16([utf16le("ab"), vec![0x41]].concat(), Err("1:3"))]
    #[case::utf16le_no_bom(utf16le("REGEDIT4\n")[2..].to_vec(), Ok("REGEDIT4\n"))]
    #[case::utf16be_no_bom(vec![0, b'r', 0, b'e'], Ok("re"))]
    #[case::nul_in_utf8(b"\xC3\xA9\0a".to_vec(), Err("1:2"))]
    #[case::odd_utf16_no_bom(vec![b'a', 0, b'b'], Err("1:2"))]
    #[case::lone_surrogate(vec![0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0], Err("1:2"))]
    fn decodes_by_byte_order_mark(#[case] bytes: Vec<u8>, #[case] want: Result<&str, &str>) {
        let got = decode_text("f", &bytes);
        match want {
            Ok(text) => assert_eq!(&*got.expect("decodes").text, text),
            Err(at) => {
                let refused = got.expect_err("refused");
                assert_eq!(refused.code, "forms::encoding");
                let position = refused.position().expect("located");
                assert!(position.ends_with(at), "{position} should end with {at}");
            }
        }
    }
}
