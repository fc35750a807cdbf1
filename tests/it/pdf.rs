//! The PDF documents: they open, and they carry every name as it was typed, whatever its script.
//! The text is read back the way a viewer reads it for search and copy: the content streams
//! (inflated), each string's two-byte codes mapped to letters through its font's `ToUnicode` map.

use std::collections::HashMap;
use std::io::Read;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::TestApp;

/// Checks what a PDF viewer needs to open the file: the header, the cross-reference table that
/// `startxref` points to, and every object where that table says it is.
pub fn assert_pdf_opens(bytes: &[u8]) {
    // Byte offsets: the file is read as Latin-1, one character per byte.
    let text: String = bytes.iter().map(|b| char::from(*b)).collect();
    assert!(text.starts_with("%PDF-"), "a PDF header");
    let tail = &text[text.rfind("startxref").expect("startxref")..];
    let offset: usize = tail.lines().nth(1).unwrap().trim().parse().unwrap();
    let xref: String = text.chars().skip(offset).collect();
    assert!(xref.starts_with("xref"), "startxref points to the table");
    let mut lines = xref.lines().skip(1);
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    for object in header[0]..header[0] + header[1] {
        let entry = lines.next().unwrap();
        if entry.trim_end().ends_with('n') {
            let at: usize = entry[..10].parse().unwrap();
            let found: String = text.chars().skip(at).take(20).collect();
            assert!(
                found.starts_with(&format!("{object} 0 obj")),
                "object {object} is where the table says: {found}"
            );
        }
    }
    assert!(text.contains("/Root") && text.trim_end().ends_with("%%EOF"));
}

/// One object of the file: its dictionary (as Latin-1 text) and its stream, inflated.
struct Object {
    dict: String,
    stream: Vec<u8>,
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// Where `needle` first occurs in `bytes` from `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn objects(bytes: &[u8]) -> HashMap<u32, Object> {
    let mut found = HashMap::new();
    let mut from = 0;
    while let Some(start) = find(bytes, from, b" 0 obj") {
        let number_start = bytes[..start]
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let number: u32 = latin1(&bytes[number_start..start]).parse().unwrap();
        let body = start + b" 0 obj".len();
        let plain_end = find(bytes, body, b"endobj").expect("endobj");
        let object = if let Some(s) = find(&bytes[..plain_end], body, b"stream") {
            {
                let dict = latin1(&bytes[body..s]);
                let length = reference(&dict, "/Length").expect("a stream length") as usize;
                let mut data = s + b"stream".len();
                data += usize::from(bytes[data] == b'\r');
                data += usize::from(bytes[data] == b'\n');
                let raw = &bytes[data..data + length];
                let stream = if dict.contains("/FlateDecode") {
                    let mut out = Vec::new();
                    flate2::read::ZlibDecoder::new(raw)
                        .read_to_end(&mut out)
                        .expect("a stream that inflates");
                    out
                } else {
                    raw.to_vec()
                };
                from = data + length;
                Object { dict, stream }
            }
        } else {
            {
                from = plain_end;
                Object {
                    dict: latin1(&bytes[body..plain_end]),
                    stream: Vec::new(),
                }
            }
        };
        from = find(bytes, from, b"endobj").expect("endobj");
        found.insert(number, object);
    }
    found
}

/// The object number after `key` in a dictionary (`/Key 12 0 R`).
fn reference(dict: &str, key: &str) -> Option<u32> {
    let at = dict.find(key)? + key.len();
    let digits: String = dict[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A `ToUnicode` map: code → letters.
fn cmap(stream: &[u8]) -> HashMap<u16, String> {
    let text = latin1(stream);
    let hex = |h: &str| -> Vec<u16> {
        let h = h.trim_matches(|c| c == '<' || c == '>');
        (0..h.len())
            .step_by(4)
            .map(|i| u16::from_str_radix(&h[i..i + 4], 16).unwrap())
            .collect()
    };
    let mut map = HashMap::new();
    let mut in_chars = false;
    let mut in_ranges = false;
    for line in text.lines() {
        let line = line.trim();
        if line.ends_with("beginbfchar") {
            in_chars = true;
        } else if line == "endbfchar" {
            in_chars = false;
        } else if line.ends_with("beginbfrange") {
            in_ranges = true;
        } else if line == "endbfrange" {
            in_ranges = false;
        } else if in_chars {
            let parts: Vec<&str> = line.split_whitespace().collect();
            map.insert(
                hex(parts[0])[0],
                String::from_utf16(&hex(parts[1])).unwrap(),
            );
        } else if in_ranges {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (low, high, first) = (hex(parts[0])[0], hex(parts[1])[0], hex(parts[2]));
            for (i, code) in (low..=high).enumerate() {
                let mut units = first.clone();
                *units.last_mut().unwrap() += u16::try_from(i).unwrap();
                map.insert(code, String::from_utf16(&units).unwrap());
            }
        }
    }
    map
}

/// The bytes of a literal string `(…)` starting at `at` (just after the parenthesis), and where
/// it ends.
fn literal(content: &[u8], mut at: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    // Balanced parentheses may stand unescaped inside a literal string.
    let mut depth = 0;
    while content[at] != b')' || depth > 0 {
        if content[at] == b'(' {
            depth += 1;
        } else if content[at] == b')' {
            depth -= 1;
        }
        if content[at] == b'\\' {
            at += 1;
            let c = content[at];
            if c.is_ascii_digit() {
                let digits: Vec<u8> = content[at..]
                    .iter()
                    .take(3)
                    .take_while(|d| (b'0'..=b'7').contains(d))
                    .copied()
                    .collect();
                out.push(u8::from_str_radix(std::str::from_utf8(&digits).unwrap(), 8).unwrap());
                at += digits.len();
                continue;
            }
            out.push(match c {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'b' => 0x08,
                b'f' => 0x0c,
                other => other,
            });
        } else {
            out.push(content[at]);
        }
        at += 1;
    }
    (out, at + 1)
}

/// The text the pages show, one line per baseline, in drawing order.
pub fn pdf_text(bytes: &[u8]) -> String {
    let objects = objects(bytes);
    // Font resource names → their ToUnicode maps.
    let mut fonts: HashMap<String, HashMap<u16, String>> = HashMap::new();
    for object in objects.values() {
        let Some(at) = object.dict.find("/Font<<") else {
            continue;
        };
        let list = &object.dict[at + 7..];
        let list = &list[..list.find(">>").unwrap()];
        let words: Vec<&str> = list.split(['/', ' ']).filter(|w| !w.is_empty()).collect();
        for entry in words.chunks(4) {
            let font = &objects[&entry[1].parse::<u32>().unwrap()];
            let map = reference(&font.dict, "/ToUnicode")
                .map(|n| cmap(&objects[&n].stream))
                .unwrap_or_default();
            fonts.insert(entry[0].to_owned(), map);
        }
    }
    let mut pages: Vec<u32> = objects
        .iter()
        .filter(|(_, o)| o.dict.contains("/Type/Page/") || o.dict.contains("/Type/Page>>"))
        .map(|(n, _)| *n)
        .collect();
    pages.sort_unstable();
    let mut out = String::new();
    for page in pages {
        let content = &objects[&reference(&objects[&page].dict, "/Contents").unwrap()].stream;
        let mut font = String::new();
        let mut line_y = String::new();
        let mut numbers: Vec<String> = Vec::new();
        let mut at = 0;
        while at < content.len() {
            let c = content[at];
            if c == b'(' {
                let (codes, next) = literal(content, at + 1);
                let map = &fonts[&font];
                for pair in codes.chunks(2) {
                    let code = u16::from_be_bytes([pair[0], pair[1]]);
                    out.push_str(map.get(&code).map_or("\u{fffd}", String::as_str));
                }
                at = next;
                continue;
            }
            if c.is_ascii_whitespace() || c == b'[' || c == b']' {
                at += 1;
                continue;
            }
            let end = content[at..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || b"()[]/".contains(b))
                .map_or(content.len(), |p| at + p.max(1));
            let word = latin1(&content[at..end]);
            match word.as_str() {
                "Tf" => numbers[numbers.len() - 2]
                    .trim_start_matches('/')
                    .clone_into(&mut font),
                "Tm" => {
                    let y = numbers[numbers.len() - 1].clone();
                    if !line_y.is_empty() && y != line_y {
                        out.push('\n');
                    }
                    line_y = y;
                }
                _ => {}
            }
            numbers.push(word);
            at = end;
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_handover_pdf_prints_every_name_as_typed_in_any_script() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let names = [
        "Łukasz Wróbel-Żółć",
        "Ğül Şahin",
        "Nguyễn Đức Thắng",
        "محمد علي",
        "王小明",
    ];
    let mut body = minimal();
    body["persons"] = Value::Array(
        names
            .iter()
            .map(|name| json!({"role": "beneficiario", "name": name, "sex": "M", "age": 30}))
            .collect(),
    );
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let pdf = app
        .get_as(&desk, &format!("/segnalazioni/{id}/scheda.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_pdf_opens(&pdf.body);
    let text = pdf_text(&pdf.body);
    for name in names {
        if name.starts_with('م') {
            // Arabic is drawn right to left: read left to right, the page holds the name's letters
            // in reverse (a viewer puts them back in order with the bidirectional algorithm).
            let drawn: String = name.chars().rev().collect();
            assert!(text.contains(&drawn), "{name} right to left: {text}");
        } else {
            assert!(text.contains(name), "{name} as typed: {text}");
        }
    }
    assert!(!text.contains('\u{fffd}') && !text.contains('?'), "{text}");
    // Subsets of the fonts, not the fonts (the Chinese one alone is about 4 MB).
    assert!(pdf.body.len() < 300_000, "{} bytes", pdf.body.len());
}
