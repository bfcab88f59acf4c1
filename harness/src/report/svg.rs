//! Line plots as inline SVG, for the report's history page. Written by
//! hand: a plot here is a few polylines and labels, and a plotting crate
//! (plotters with its SVG backend) would add a dependency tree for that.

use std::fmt::Write;

use super::html::esc;

/// One line of a plot: a value per run (None where the run has none).
pub struct Series {
    name: String,
    points: Vec<Option<f64>>,
}

impl Series {
    /// A named series.
    pub fn new(name: &str, points: Vec<Option<f64>>) -> Series {
        Series {
            name: name.to_string(),
            points,
        }
    }
}

const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];
const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 70.0;

/// An SVG line plot of `series` over the runs named by `labels`. Each value
/// is a circle (`class="point"`, `data-run` its index); with `mark_rises`,
/// a value above the series' previous one gets a red ring (`class="rise"`).
/// The y axis spans the values, and at least `y_span` when given (a pass
/// rate is drawn on 0–100, so a run at 52% does not sit at the bottom).
pub fn line_plot(
    y_title: &str,
    labels: &[String],
    series: &[Series],
    mark_rises: bool,
    y_span: Option<(f64, f64)>,
) -> String {
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied())
        .collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if values.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    if let Some((a, b)) = y_span {
        (lo, hi) = (lo.min(a), hi.max(b));
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let n = labels.len().max(1);
    let x = |i: usize| {
        LEFT + (W - LEFT - RIGHT)
            * if n == 1 {
                0.5
            } else {
                i as f64 / (n - 1) as f64
            }
    };
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\">\
         <rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>",
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    for v in [lo, hi] {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            y(v) + 4.0,
            fmt_value(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"12\" y=\"{:.1}\" font-size=\"11\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">{}</text>",
        (TOP + H - BOTTOM) / 2.0,
        (TOP + H - BOTTOM) / 2.0,
        esc(y_title)
    );
    for (i, l) in labels.iter().enumerate() {
        let (lx, ly) = (x(i), H - BOTTOM + 12.0);
        let _ = write!(
            s,
            "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"10\" transform=\"rotate(35 {lx:.1} {ly:.1})\">{}</text>",
            esc(l)
        );
    }
    for (k, ser) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let pts: Vec<String> = ser
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"/>",
            pts.join(" ")
        );
        let mut prev: Option<f64> = None;
        for (i, v) in ser.points.iter().enumerate() {
            let Some(v) = *v else { continue };
            let _ = write!(
                s,
                "<circle class=\"point\" data-run=\"{i}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{}: {}</title></circle>",
                x(i),
                y(v),
                esc(&ser.name),
                fmt_value(v)
            );
            if mark_rises && prev.is_some_and(|p| v > p) {
                let _ = write!(
                    s,
                    "<circle class=\"rise\" data-run=\"{i}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"7\" fill=\"none\" stroke=\"#c00\" stroke-width=\"2\"/>",
                    x(i),
                    y(v)
                );
            }
            prev = Some(v);
        }
        let ly = TOP + 14.0 * k as f64 + 8.0;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"3\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            W - RIGHT + 10.0,
            ly - 3.0,
            W - RIGHT + 24.0,
            ly + 1.0,
            esc(&ser.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn fmt_value(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_gaps_and_rises() {
        let labels: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let svg = line_plot(
            "registers",
            &labels,
            &[Series::new(
                "r",
                vec![Some(4.0), None, Some(6.0), Some(5.0)],
            )],
            true,
            None,
        );
        assert_eq!(
            svg.matches("class=\"point\"").count(),
            3,
            "no point for a gap"
        );
        assert_eq!(svg.matches("class=\"rise\"").count(), 1);
        assert!(svg.contains("class=\"rise\" data-run=\"2\""), "{svg}");
        // A flat series still has a height to draw in.
        let flat = line_plot(
            "x",
            &labels,
            &[Series::new("f", vec![Some(1.0); 4])],
            true,
            None,
        );
        assert!(!flat.contains("NaN"), "{flat}");
        assert_eq!(flat.matches("class=\"rise\"").count(), 0);
    }

    #[test]
    fn a_span_widens_the_axis_to_it() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let rates = [Series::new("p", vec![Some(52.3), Some(100.0)])];
        let axis = |svg: &str| -> Vec<String> {
            svg.split("text-anchor=\"end\">")
                .skip(1)
                .map(|t| t.split('<').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            axis(&line_plot("%", &labels, &rates, false, None)),
            ["52.3", "100"]
        );
        assert_eq!(
            axis(&line_plot("%", &labels, &rates, false, Some((0.0, 100.0)))),
            ["0", "100"]
        );
    }
}
