//! The dashboard's charts, drawn server-side as SVG by plotters: bars, monthly lines and the map
//! of the municipalities. Each chart on a page comes with a data table carrying the same
//! figures; a chart never shows a count that the table hides.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colours of Bootstrap Italia's palette.
const BLUE: RGBColor = RGBColor(0x00, 0x66, 0xcc);
const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const GREY: RGBColor = RGBColor(0x5c, 0x6f, 0x82);
/// The series of the monthly chart, each in a colour told apart also by its line style.
const SERIES: [RGBColor; 4] = [
    RGBColor(0x00, 0x66, 0xcc),
    RGBColor(0x5c, 0x6f, 0x82),
    RGBColor(0xcc, 0x7a, 0x00),
    RGBColor(0xd9, 0x36, 0x4f),
];
/// The map's classes, light to dark.
pub const MAP_CLASSES: [RGBColor; 5] = [
    RGBColor(0xe6, 0xf0, 0xfa),
    RGBColor(0xb3, 0xd1, 0xf0),
    RGBColor(0x66, 0xa3, 0xe0),
    RGBColor(0x00, 0x66, 0xcc),
    RGBColor(0x00, 0x3d, 0x7a),
];

const FONT: &str = "Titillium Web, sans-serif";

/// A horizontal bar per row (label, value; none for a value the table hides).
pub fn bars(rows: &[(String, Option<f64>)]) -> String {
    let n = rows.len().max(1);
    let height = u32::try_from(40 + 28 * n).unwrap_or(600);
    let max = rows
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        root.fill(&WHITE)?;
        // Segments 0..=last, the first row at the top.
        let last = i32::try_from(n - 1).unwrap_or(i32::MAX);
        let row_at = |segment: i32| usize::try_from(last - segment).ok();
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..max * 1.05, (0..last).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(0xdd, 0xe3, 0xea))
            .axis_style(GREY)
            .label_style((FONT, 14).into_font().color(&INK))
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => row_at(*i)
                    .and_then(|i| rows.get(i))
                    .map_or_else(String::new, |(l, _)| l.clone()),
                _ => String::new(),
            })
            .x_label_formatter(&|x| format_number(*x))
            .draw()?;
        chart.draw_series(
            Histogram::horizontal(&chart)
                .style(BLUE.filled())
                .margin(5)
                .data(
                    rows.iter()
                        .enumerate()
                        .filter_map(|(i, (_, v))| Some((last - i32::try_from(i).ok()?, (*v)?))),
                ),
        )?;
        root.present()?;
        Ok(())
    })();
    if drawn.is_err() {
        return String::new();
    }
    svg
}

/// One line per series over the months (labels `AAAA-MM` shown as `MM/AAAA`).
pub fn lines(months: &[String], series: &[(String, Vec<u64>)]) -> String {
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let last = i32::try_from(months.len().saturating_sub(1))
        .unwrap_or(0)
        .max(1);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (720, 320)).into_drawing_area();
        root.fill(&WHITE)?;
        // Headroom for the legend above the lines.
        let top = u64_to_f64(max) * 1.4;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0..last, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(0xdd, 0xe3, 0xea))
            .axis_style(GREY)
            .label_style((FONT, 14).into_font().color(&INK))
            .x_labels(months.len().min(8))
            .x_label_formatter(&|i| {
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| months.get(i))
                    .map_or_else(String::new, |m| month_label(m))
            })
            .y_label_formatter(&|y| format_number(*y))
            .draw()?;
        for (k, (name, values)) in series.iter().enumerate() {
            let colour = SERIES[k % SERIES.len()];
            let style = colour.stroke_width(if k == 0 { 3 } else { 2 });
            let points: Vec<(i32, f64)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((i32::try_from(i).ok()?, u64_to_f64(*v))))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), style))?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            // Marks make the series distinguishable without colour.
            chart.draw_series(points.into_iter().map(move |p| {
                if k % 2 == 0 {
                    Circle::new(p, 3, colour.filled()).into_dyn()
                } else {
                    TriangleMarker::new(p, 4, colour.filled()).into_dyn()
                }
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .label_font((FONT, 14).into_font().color(&INK))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    if drawn.is_err() {
        return String::new();
    }
    svg
}

/// A municipality's boundary: its ISTAT code, its name and its outer ring (longitude,
/// latitude).
pub struct Shape {
    pub code: String,
    pub ring: Vec<(f64, f64)>,
}

/// The boundaries shipped with Presidio (see `maps/README.md`).
static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    shapes(include_str!("../maps/rhodense-municipalities.geojson")).unwrap_or_default()
});

/// The rings of the first polygon of each feature of a `GeoJSON` collection, by
/// `com_istat_code`.
fn shapes(geojson: &str) -> Option<Vec<Shape>> {
    let doc: serde_json::Value = serde_json::from_str(geojson).ok()?;
    let features = doc.get("features")?.as_array()?;
    Some(
        features
            .iter()
            .filter_map(|f| {
                let code = f
                    .pointer("/properties/com_istat_code")?
                    .as_str()?
                    .to_owned();
                let ring = f
                    .pointer("/geometry/coordinates/0")?
                    .as_array()?
                    .iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                    .collect();
                Some(Shape { code, ring })
            })
            .collect(),
    )
}

/// The municipalities among `codes` that have a boundary to draw.
pub fn drawable(codes: &[&str]) -> bool {
    SHAPES.iter().any(|s| codes.contains(&s.code.as_str()))
}

/// The map of the municipalities in `classes` (ISTAT code → class 0..5, none for no data),
/// each labelled with its name, with the boundaries' attribution.
pub fn map(classes: &BTreeMap<String, (String, Option<usize>)>, attribution: &str) -> String {
    let shapes: Vec<&Shape> = SHAPES
        .iter()
        .filter(|s| classes.contains_key(&s.code))
        .collect();
    if shapes.is_empty() {
        return String::new();
    }
    let points = shapes.iter().flat_map(|s| s.ring.iter());
    let (mut west, mut east, mut south, mut north) = (180.0_f64, -180.0_f64, 90.0_f64, -90.0_f64);
    for (lon, lat) in points {
        west = west.min(*lon);
        east = east.max(*lon);
        south = south.min(*lat);
        north = north.max(*lat);
    }
    // Degrees of longitude shrink with the cosine of the latitude.
    let squeeze = f64::midpoint(south, north).to_radians().cos();
    let width = 640.0_f64;
    let ratio = (north - south) / ((east - west) * squeeze).max(f64::EPSILON);
    let height = (width * ratio).clamp(200.0, 900.0) + 30.0;
    let size = (640, float_to_u32(height));
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let (area, foot) = root.split_vertically(size.1 - 24);
        let mut chart = ChartBuilder::on(&area)
            .margin(6)
            .build_cartesian_2d(west..east, south..north)?;
        for shape in &shapes {
            let (_, class) = &classes[&shape.code];
            let fill = class.map_or(WHITE, |c| MAP_CLASSES[c.min(MAP_CLASSES.len() - 1)]);
            chart.draw_series(std::iter::once(Polygon::new(
                shape.ring.clone(),
                fill.filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                shape.ring.clone(),
                GREY.stroke_width(1),
            )))?;
        }
        // The names after every shape, so that no neighbour covers one.
        for shape in &shapes {
            let (name, class) = &classes[&shape.code];
            let n = shape.ring.len().max(1);
            let count = f64::from(u32::try_from(n).unwrap_or(u32::MAX));
            let centre = (
                shape.ring.iter().map(|p| p.0).sum::<f64>() / count,
                shape.ring.iter().map(|p| p.1).sum::<f64>() / count,
            );
            let ink = if class.is_some_and(|c| c >= 3) {
                WHITE
            } else {
                INK
            };
            chart.draw_series(std::iter::once(Text::new(
                name.clone(),
                centre,
                (FONT, 14)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
        foot.draw(&Text::new(
            attribution.to_owned(),
            (8, 4),
            (FONT, 13).into_font().color(&INK),
        ))?;
        root.present()?;
        Ok(())
    })();
    if drawn.is_err() {
        return String::new();
    }
    svg
}

/// The class (0..5) of each value among equal-width classes from zero to the largest.
pub fn class_of(value: f64, max: f64) -> usize {
    if max <= 0.0 || value <= 0.0 {
        return 0;
    }
    let classes = MAP_CLASSES.len();
    let share = (value / max).clamp(0.0, 1.0);
    let bound = f64::from(u32::try_from(classes - 1).unwrap_or(4));
    // share 1.0 → the darkest class.
    let class = (share * bound).round();
    usize::try_from(float_to_u32(class)).unwrap_or(0)
}

fn float_to_u32(x: f64) -> u32 {
    let clamped = x.clamp(0.0, f64::from(u32::MAX)).round();
    format!("{clamped:.0}").parse().unwrap_or(0)
}

fn u64_to_f64(n: u64) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// An axis label: integers as they are, others with a decimal comma.
fn format_number(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}").replace('.', ",")
    }
}

/// `2026-03` → `03/2026`.
fn month_label(month: &str) -> String {
    match month.split_once('-') {
        Some((year, m)) => format!("{m}/{year}"),
        None => month.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_draw_one_rectangle_per_shown_value_and_every_label() {
        let svg = bars(&[
            ("Carabinieri".into(), Some(12.0)),
            ("Cittadino".into(), None),
            ("Pronto soccorso".into(), Some(3.0)),
        ]);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Carabinieri") && svg.contains("Pronto soccorso"));
        assert!(svg.contains("Cittadino"), "a hidden value keeps its label");
        assert!(!svg.contains("style="), "inline styles break the CSP");
    }

    #[test]
    fn lines_name_their_series_and_months() {
        let months = vec!["2026-01".to_owned(), "2026-02".to_owned()];
        let svg = lines(
            &months,
            &[
                ("Segnalazioni".into(), vec![4, 9]),
                ("Emergenze".into(), vec![1, 2]),
            ],
        );
        assert!(svg.contains("Segnalazioni") && svg.contains("Emergenze"));
        assert!(svg.contains("01/2026"), "{svg}");
    }

    #[test]
    fn the_map_draws_the_rhodense_with_its_attribution() {
        let classes: BTreeMap<String, (String, Option<usize>)> = [
            ("015182".to_owned(), ("Rho".to_owned(), Some(4))),
            ("015009".to_owned(), ("Arese".to_owned(), None)),
        ]
        .into_iter()
        .collect();
        assert!(drawable(&["015182"]));
        assert!(!drawable(&["001272"]));
        let svg = map(
            &classes,
            "Confini: ISTAT, elaborazione openpolis (CC BY 4.0)",
        );
        assert!(svg.contains("Rho") && svg.contains("Arese"));
        assert!(svg.contains("elaborazione openpolis"));
        assert_eq!(svg.matches("<polygon").count(), 2, "{svg}");
        // No shape is drawn over a name.
        assert!(svg.rfind("<polygon") < svg.find("<text"), "{svg}");
    }

    #[test]
    fn classes_spread_from_zero_to_the_largest() {
        assert_eq!(class_of(0.0, 10.0), 0);
        assert_eq!(class_of(10.0, 10.0), 4);
        assert_eq!(class_of(5.0, 10.0), 2);
        assert_eq!(class_of(3.0, 0.0), 0);
    }
}
