//! The handover sheet as a PDF (pdf-writer): A4 pages of text in the standard Helvetica fonts
//! (the `WinAnsi` encoding covers Italian), lines wrapped to the page. The printable page is the
//! accessible version; this one is for sending and filing.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::pages::Sheet;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// A character in `WinAnsi` encoding (`?` when it has none).
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        _ => b'?',
    }
}

/// Splits `text` into lines of at most `max` characters, at spaces where possible.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let mut word = word.to_owned();
            while word.chars().count() > max {
                let head: String = word.chars().take(max).collect();
                word = word.chars().skip(max).collect();
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                lines.push(head);
            }
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

/// The pages being written: their content streams.
struct Pages {
    done: Vec<Content>,
    current: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            current: Content::new(),
            y: HEIGHT - MARGIN,
        }
    }

    /// Writes one line in font `font` (`F1` regular, `F2` bold) of `size` points.
    fn line(&mut self, font: &[u8], size: f32, text: &str) {
        let step = size * 1.35;
        if self.y - step < MARGIN {
            self.done
                .push(std::mem::replace(&mut self.current, Content::new()));
            self.y = HEIGHT - MARGIN;
        }
        self.y -= step;
        let bytes: Vec<u8> = text.chars().map(win_ansi).collect();
        self.current
            .begin_text()
            .set_font(Name(font), size)
            .next_line(MARGIN, self.y)
            .show(Str(&bytes))
            .end_text();
    }

    fn text(&mut self, font: &[u8], size: f32, text: &str) {
        // Helvetica averages about half an em per character: keep well inside the margins.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let max = ((WIDTH - 2.0 * MARGIN) / (size * 0.55)) as usize;
        for line in wrap(text, max) {
            self.line(font, size, &line);
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.current);
        self.done
    }
}

/// The PDF of a sheet.
pub fn render(sheet: &Sheet) -> Vec<u8> {
    let mut pages = Pages::new();
    pages.text(b"F2", 16.0, &sheet.title);
    pages.text(b"F1", 10.0, &sheet.subtitle);
    for section in &sheet.sections {
        pages.gap(8.0);
        pages.text(b"F2", 12.0, &section.heading);
        for (label, value) in &section.rows {
            if !label.is_empty() {
                pages.text(b"F2", 9.0, label);
            }
            pages.text(b"F1", 10.0, value);
        }
    }
    let contents = pages.finish();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut next = 6;
    let mut ids = Vec::new();
    for _ in &contents {
        ids.push((Ref::new(next), Ref::new(next + 1)));
        next += 2;
    }
    pdf.catalog(catalog).pages(tree).lang(TextStr("it-IT"));
    pdf.pages(tree)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(ids.len()).unwrap_or(i32::MAX));
    pdf.document_info(info)
        .title(TextStr(&sheet.title))
        .producer(TextStr("Presidio"));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for ((page_id, content_id), content) in ids.iter().zip(contents) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_and_split_long_words() {
        assert_eq!(wrap("uno due tre", 7), ["uno due", "tre"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(win_ansi('è'), 0xE8);
        assert_eq!(win_ansi('€'), 0x80);
        assert_eq!(win_ansi('你'), b'?');
    }
}
