//! Line charts as inline SVG, drawn by letgo so that the report page needs
//! no script and no network: one value series over time, with gaps where
//! samples failed and dashed lines where the target restarted.

use std::fmt::Write;

/// A chart to draw.
pub struct Chart<'a> {
    /// `data-chart` attribute, for tests and styling.
    pub id: &'a str,
    /// Shown above the plot.
    pub title: &'a str,
    pub width: u32,
    pub height: u32,
    /// Formats a value for the y axis.
    pub format: &'a dyn Fn(f64) -> String,
    /// Seconds since the start where the target restarted.
    pub restarts: &'a [f64],
    /// The line's colour.
    pub color: &'a str,
}

/// Margins around the plot, in pixels: room for the axis labels.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 22.0;

/// Draws `points` (seconds since the start, value or `None` for a failed
/// sample) as an SVG element.
pub fn line_chart(chart: &Chart<'_>, points: &[(f64, Option<f64>)]) -> String {
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().filter_map(|p| p.1).collect();
    let (x0, x1) = bounds(&xs, 0.0);
    let (_, y_max) = bounds(&ys, 0.0);
    let y_max = if y_max <= 0.0 { 1.0 } else { y_max * 1.08 };
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0).max(1e-9) * (w - LEFT - RIGHT);
    let py = |y: f64| h - BOTTOM - y / y_max * (h - TOP - BOTTOM);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" data-chart="{}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        escape(chart.id),
        escape(chart.title)
    );
    let _ = write!(
        svg,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/><text x="{LEFT}" y="15" class="chart-title">{}</text>"##,
        escape(chart.title)
    );
    for i in 0..=4 {
        let value = y_max * f64::from(i) / 4.0;
        let y = py(value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            w - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&(chart.format)(value))
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="{:.1}" class="tick">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
        h - 6.0,
        seconds(x0),
        w - RIGHT,
        h - 6.0,
        seconds(x1)
    );
    for &r in chart.restarts {
        let x = px(r);
        let _ = write!(
            svg,
            r##"<line class="restart" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#c0392b" stroke-dasharray="4 3"/>"##,
            h - BOTTOM
        );
    }
    for run in runs(points) {
        let coords: Vec<String> = run
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="series" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            escape(chart.color),
            coords.join(" ")
        );
        for (x, y) in run {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"#,
                px(x),
                py(y),
                escape(chart.color)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The stretches of consecutive points with values.
fn runs(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &(x, y) in points {
        match y {
            Some(y) if y.is_finite() => runs.last_mut().map_or((), |r| r.push((x, y))),
            _ => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// Lowest and highest value; `(floor, floor + 1)` for none.
fn bounds(values: &[f64], floor: f64) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if lo > hi {
        (floor, floor + 1.0)
    } else {
        (lo.min(floor.max(lo)), hi)
    }
}

fn seconds(s: f64) -> String {
    if s >= 120.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart<'a>(format: &'a dyn Fn(f64) -> String, restarts: &'a [f64]) -> Chart<'a> {
        Chart {
            id: "heap",
            title: "heap <in use>",
            width: 400,
            height: 200,
            format,
            restarts,
            color: "#1f77b4",
        }
    }

    #[test]
    fn draws_a_line_per_stretch_and_marks_restarts() {
        let format = |v: f64| format!("{v:.0}");
        let points = [
            (0.0, Some(1.0)),
            (1.0, Some(2.0)),
            (2.0, None),
            (3.0, Some(4.0)),
        ];
        let svg = line_chart(&chart(&format, &[2.5]), &points);
        assert!(
            svg.starts_with("<svg class=\"chart\" data-chart=\"heap\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert_eq!(svg.matches("class=\"restart\"").count(), 1, "{svg}");
        assert!(svg.contains("heap &lt;in use&gt;"), "{svg}");
        assert!(svg.ends_with("</svg>"));
        // The first point sits at the left margin, the last at the right.
        assert!(svg.contains("points=\"70.0,"), "{svg}");
        assert!(svg.contains("388.0,"), "{svg}");
    }

    #[test]
    fn empty_and_flat_series_do_not_divide_by_zero() {
        let format = |v: f64| format!("{v}");
        let svg = line_chart(&chart(&format, &[]), &[]);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let svg = line_chart(&chart(&format, &[]), &[(5.0, Some(0.0)), (5.0, Some(0.0))]);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}
