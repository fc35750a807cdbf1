//! The PDF documents (the handover sheet, the statistics): A4 pages of text written with krilla
//! in embedded, subset fonts, so that every name prints as it was typed — Polish, Turkish and
//! Vietnamese letters, Arabic (shaped and right to left), Chinese. Each line is split into runs of
//! one direction (`unicode-bidi`), each run into pieces of one font (the first of the chain that
//! has the letter: `DejaVu Sans`, then `Droid Sans Fallback` for Chinese, Japanese and Korean), each
//! piece shaped with `rustybuzz`; the PDF carries the text too, so it can be searched and copied.
//! The printable page is the accessible version; this one is for sending and filing.

use std::sync::LazyLock;

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::views::Sheet;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

/// One of the embedded fonts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
    Fallback,
}

impl Face {
    const fn index(self) -> usize {
        match self {
            Self::Regular => 0,
            Self::Bold => 1,
            Self::Fallback => 2,
        }
    }
}

/// The weight a line is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// The fonts tried in order for a letter.
    const fn chain(self) -> [Face; 2] {
        match self {
            Self::Regular => [Face::Regular, Face::Fallback],
            Self::Bold => [Face::Bold, Face::Fallback],
        }
    }
}

/// The fonts, parsed once: for shaping and for the PDF.
struct Faces {
    shaping: [rustybuzz::Face<'static>; 3],
    pdf: [Font; 3],
}

static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    let data = [REGULAR, BOLD, FALLBACK];
    let shaping = data.map(|bytes| rustybuzz::Face::from_slice(bytes, 0));
    let pdf = data.map(|bytes| Font::new(bytes.into(), 0));
    match (shaping, pdf) {
        ([Some(a), Some(b), Some(c)], [Some(x), Some(y), Some(z)]) => Some(Faces {
            shaping: [a, b, c],
            pdf: [x, y, z],
        }),
        _ => None,
    }
});

/// The PDF could not be written (the embedded fonts did not load, or the writer failed).
#[derive(Debug)]
pub struct PdfError(String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A piece of a line in one font and one direction, shaped: what krilla draws.
struct Run {
    face: Face,
    text: String,
    glyphs: Vec<KrillaGlyph>,
    /// The advance of the whole run, in ems.
    width: f32,
}

impl Faces {
    fn covers(&self, face: Face, c: char) -> bool {
        self.shaping[face.index()].glyph_index(c).is_some()
    }

    /// Splits `text` (one direction) into pieces of one font each, in logical order. Spaces stay
    /// in the font of the letters around them.
    fn pieces<'t>(&self, text: &'t str, weight: Weight) -> Vec<(Face, &'t str)> {
        let chain = weight.chain();
        let mut pieces: Vec<(Face, &str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<Face> = None;
        for (at, c) in text.char_indices() {
            let keep = current.is_some_and(|f| c.is_whitespace() || self.covers(f, c));
            if keep {
                continue;
            }
            let face = chain
                .iter()
                .copied()
                .find(|f| self.covers(*f, c))
                .unwrap_or(chain[0]);
            if let Some(previous) = current
                && previous != face
            {
                pieces.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(face);
        }
        if let Some(face) = current {
            pieces.push((face, &text[start..]));
        }
        pieces
    }

    /// Shapes one piece in one font and direction.
    #[allow(clippy::cast_precision_loss)]
    fn shape(&self, face: Face, text: &str, rtl: bool) -> Run {
        let font = &self.shaping[face.index()];
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(if rtl {
            rustybuzz::Direction::RightToLeft
        } else {
            rustybuzz::Direction::LeftToRight
        });
        let shaped = rustybuzz::shape(font, &[], buffer);
        let em = font.units_per_em() as f32;
        let mut clusters: Vec<usize> = shaped
            .glyph_infos()
            .iter()
            .map(|g| g.cluster as usize)
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        let mut width = 0.0;
        let glyphs = shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, position)| {
                let start = info.cluster as usize;
                let end = clusters
                    .iter()
                    .copied()
                    .find(|c| *c > start)
                    .unwrap_or(text.len());
                let x_advance = position.x_advance as f32 / em;
                width += x_advance;
                KrillaGlyph {
                    glyph_id: GlyphId::new(info.glyph_id),
                    text_range: start..end,
                    x_advance,
                    x_offset: position.x_offset as f32 / em,
                    y_offset: position.y_offset as f32 / em,
                    y_advance: 0.0,
                    location: None,
                }
            })
            .collect();
        Run {
            face,
            text: text.to_owned(),
            glyphs,
            width,
        }
    }

    /// One line, shaped, in the order its runs are drawn from left to right.
    fn line(&self, text: &str, weight: Weight) -> Vec<Run> {
        let bidi = unicode_bidi::BidiInfo::new(text, Some(unicode_bidi::Level::ltr()));
        let mut runs = Vec::new();
        for paragraph in &bidi.paragraphs {
            let (levels, visual) = bidi.visual_runs(paragraph, paragraph.range.clone());
            for range in visual {
                let rtl = levels[range.start].is_rtl();
                let mut pieces = self.pieces(&text[range], weight);
                if rtl {
                    pieces.reverse();
                }
                runs.extend(
                    pieces
                        .into_iter()
                        .map(|(face, piece)| self.shape(face, piece, rtl)),
                );
            }
        }
        runs
    }

    /// The width of a line, in ems.
    fn width(&self, text: &str, weight: Weight) -> f32 {
        self.line(text, weight).iter().map(|r| r.width).sum()
    }

    /// Splits `text` into lines no wider than `max` ems, at spaces where possible; a word wider
    /// than a line is cut between letters.
    fn wrap(&self, text: &str, weight: Weight, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, weight) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut rest = word;
                while rest.chars().nth(1).is_some() && self.width(rest, weight) > max {
                    let cut = self.fitting(rest, weight, max);
                    lines.push(rest[..cut].to_owned());
                    rest = &rest[cut..];
                }
                rest.clone_into(&mut line);
            }
            lines.push(line);
        }
        lines
    }

    /// The byte length of the longest start of `word` that fits `max` ems (at least one letter),
    /// measured letter by letter.
    fn fitting(&self, word: &str, weight: Weight, max: f32) -> usize {
        let mut width = 0.0;
        let mut cut = 0;
        for (at, c) in word.char_indices() {
            let mut buf = [0; 4];
            width += self.width(c.encode_utf8(&mut buf), weight);
            if width > max && at > 0 {
                return at;
            }
            cut = at + c.len_utf8();
        }
        cut
    }
}

/// One line to draw: its weight, size and text.
struct Line {
    weight: Weight,
    size: f32,
    text: String,
    /// Extra space above, in points.
    gap: f32,
}

/// The PDF of a sheet.
pub fn render(sheet: &Sheet) -> Result<Vec<u8>, PdfError> {
    let faces = FACES
        .as_ref()
        .ok_or_else(|| PdfError("the embedded fonts did not load".to_owned()))?;
    let mut lines = Vec::new();
    let mut add = |weight: Weight, size: f32, text: &str, gap: f32| {
        let max = (WIDTH - 2.0 * MARGIN) / size;
        for (i, text) in faces.wrap(text, weight, max).into_iter().enumerate() {
            lines.push(Line {
                weight,
                size,
                text,
                gap: if i == 0 { gap } else { 0.0 },
            });
        }
    };
    add(Weight::Bold, 16.0, &sheet.title, 0.0);
    add(Weight::Regular, 10.0, &sheet.subtitle, 0.0);
    for section in &sheet.sections {
        add(Weight::Bold, 12.0, &section.heading, 8.0);
        for (label, value) in &section.rows {
            if !label.is_empty() {
                add(Weight::Bold, 9.0, label, 0.0);
            }
            add(Weight::Regular, 10.0, value, 0.0);
        }
    }

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(sheet.title.clone())
            .language("it-IT".to_owned())
            .producer("Presidio".to_owned()),
    );
    let settings =
        PageSettings::from_wh(WIDTH, HEIGHT).ok_or_else(|| PdfError("page size".to_owned()))?;
    let mut lines = lines.into_iter().peekable();
    while lines.peek().is_some() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut y = MARGIN;
        while let Some(next) = lines.peek() {
            let step = next.gap + next.size * 1.35;
            if y > MARGIN && y + step > HEIGHT - MARGIN {
                break;
            }
            let Some(line) = lines.next() else { break };
            y += step;
            let mut x = MARGIN;
            for run in faces.line(&line.text, line.weight) {
                surface.draw_glyphs(
                    Point::from_xy(x, y - line.size * 0.3),
                    &run.glyphs,
                    faces.pdf[run.face.index()].clone(),
                    &run.text,
                    line.size,
                    false,
                );
                x += run.width * line.size;
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|err| PdfError(format!("{err:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faces() -> &'static Faces {
        FACES.as_ref().expect("the embedded fonts load")
    }

    #[test]
    fn lines_wrap_at_spaces_and_split_long_words() {
        let f = faces();
        let one = f.width("uno due", Weight::Regular);
        assert!(one > 0.0);
        assert_eq!(
            f.wrap("uno due tre", Weight::Regular, one + 0.01),
            ["uno due", "tre"]
        );
        let four = f.width("abcd", Weight::Regular);
        assert_eq!(
            f.wrap("abcdabcdab", Weight::Regular, four + 0.01),
            ["abcd", "abcd", "ab"]
        );
        assert_eq!(f.wrap("a\nb", Weight::Regular, 10.0), ["a", "b"]);
        assert_eq!(f.wrap("", Weight::Regular, 10.0), Vec::<String>::new());
    }

    #[test]
    fn every_name_has_its_glyphs_in_one_of_the_fonts() {
        let f = faces();
        for weight in [Weight::Regular, Weight::Bold] {
            for name in [
                "Łukasz Wróbel-Żółć",
                "Ğül Şahin İpek",
                "Nguyễn Đức Thắng",
                "محمد علي",
                "王小明",
                "Ελένη Παπαδοπούλου",
                "Ольга Иванова",
                "àèéìòù € “virgolette” – …",
            ] {
                let runs = f.line(name, weight);
                assert!(!runs.is_empty(), "{name}");
                let drawn: usize = runs.iter().map(|r| r.text.chars().count()).sum();
                assert_eq!(drawn, name.chars().count(), "every letter drawn: {name}");
                for run in &runs {
                    assert!(
                        run.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
                        "no missing glyph in {:?} ({:?})",
                        run.text,
                        run.face
                    );
                }
            }
        }
    }

    #[test]
    fn chinese_takes_the_fallback_font_and_arabic_runs_right_to_left() {
        let f = faces();
        let runs = f.line("Sig. 王小明 (Rho)", Weight::Regular);
        let faces_used: Vec<Face> = runs.iter().map(|r| r.face).collect();
        assert_eq!(faces_used, [Face::Regular, Face::Fallback, Face::Regular]);
        assert_eq!(runs[1].text, "王小明 ");

        // Arabic: the letters join (shaped forms, fewer glyphs' worth of the isolated forms would
        // be wider), and the two words come out right to left: the last word is drawn first.
        let runs = f.line("Nome: محمد علي", Weight::Regular);
        let texts: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["Nome: ", "محمد علي"]);
        let arabic = &runs[1];
        let first_drawn = &arabic.text[arabic.glyphs[0].text_range.clone()];
        assert_eq!(first_drawn, "ي", "the end of the name is drawn leftmost");
    }

    #[test]
    fn a_sheet_renders_to_a_pdf_with_its_fonts_subset() {
        let sheet = Sheet {
            title: "Scheda di passaggio PIS-2026-0001".to_owned(),
            subtitle: "Łukasz Ğül 王小明 Nguyễn Đức محمد".to_owned(),
            sections: Vec::new(),
        };
        let bytes = render(&sheet).expect("a PDF");
        assert!(bytes.starts_with(b"%PDF-"));
        // Subsets, not the whole fonts: the fallback font alone is about 4 MB.
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    }
}
