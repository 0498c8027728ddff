//! Colour scales, ticks and charts for the reports, taken from libraries rather than written
//! here: colours from `colorous` (viridis, perceptually uniform and readable with the common
//! colour-vision deficiencies; Tableau 10 for categories), nice tick values from `plotters`'
//! numeric coordinates, and line and scatter charts from `plotters`' SVG backend.
//!
//! Every heat-map scale runs the same way: the bad end of a metric is viridis' dark violet, the
//! good end its yellow, over a fixed range (shares 0..=1; times and rates 0 to a stated cap), so
//! the same colour means the same value on every map and in every report.

use std::fmt::Write as _;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::metrics::{Better, Metric};
use crate::output::{fmt_num, xml_escape};

/// Times to lock at or above this are drawn in the worst colour of their scale (s). Unknown;
/// chosen: twice the 60 s that press reports give for Dynamic Lock, range 60..300.
pub const TIME_TO_LOCK_S_CAP: f64 = 120.0;

/// False-lock rates at or above this are drawn in the worst colour (per seated hour). Unknown;
/// chosen: five times the default acceptance bound of 0.1/h, range 0.2..2.
pub const FALSE_LOCKS_PER_H_CAP: f64 = 0.5;

/// Most tick labels on one axis or legend (a bound on the tick search; chosen, range 3..20).
pub const TICKS_COUNT_MAX: usize = 12;

/// Estimated advance width of one character in SVG sans-serif text, as a share of the font size
/// (measured: DejaVu Sans digits and colons are 0.55..0.64 em; 0.62 keeps a margin).
pub const CHAR_WIDTH_EM: f64 = 0.62;

/// The colour scale of one metric: its fixed range and which end is good.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The metric.
    pub metric: Metric,
    /// The top of the range (the bottom is 0): 1 for shares, the cap for times and rates.
    pub max: f64,
}

impl Scale {
    /// The scale of `metric`: shares 0..=1, time to lock 0..=[`TIME_TO_LOCK_S_CAP`], false locks
    /// 0..=[`FALSE_LOCKS_PER_H_CAP`].
    pub fn of(metric: Metric) -> Scale {
        let max = match metric {
            Metric::TimeToLockP50 | Metric::TimeToLockP95 | Metric::TimeToLockMax => {
                TIME_TO_LOCK_S_CAP
            }
            Metric::FalseLocks => FALSE_LOCKS_PER_H_CAP,
            Metric::NeverLock | Metric::UnlockAvailability | Metric::UnlockFromAfar => 1.0,
        };
        Scale { metric, max }
    }

    /// Position of `value` on the colour ramp: 0 the worst end, 1 the best; values outside the
    /// range are clamped, `None` ("never") is the worst.
    pub fn goodness(&self, value: Option<f64>) -> f64 {
        let Some(v) = value.filter(|v| !v.is_nan()) else { return 0.0 };
        let x = (v / self.max).clamp(0.0, 1.0);
        match self.metric.better() {
            Better::Lower => 1.0 - x,
            Better::Higher => x,
        }
    }

    /// The colour of `value` as `#rrggbb` (viridis at [`Scale::goodness`]).
    pub fn colour(&self, value: Option<f64>) -> String {
        ramp(self.goodness(value))
    }

    /// The tick values of the legend, from `plotters`, in the metric's unit.
    pub fn ticks(&self) -> Vec<f64> {
        nice_ticks(0.0, self.max, 7)
    }

    /// The legend's title: the unit, and how values past the cap are drawn.
    pub fn unit_title(&self) -> String {
        match self.metric.unit() {
            "share" => "share (0-1)".into(),
            unit => format!("{unit} (>= {} drawn as {})", fmt_num(self.max), fmt_num(self.max)),
        }
    }
}

/// Viridis at `t` (0 dark violet = worst, 1 yellow = best) as `#rrggbb`.
pub fn ramp(t: f64) -> String {
    format!("#{:x}", colorous::VIRIDIS.eval_continuous(t.clamp(0.0, 1.0)))
}

/// Whether text on `background` (`#rrggbb` from [`ramp`]) should be white: the darker half of
/// viridis (t < 0.5, measured on the ramp: relative luminance below 0.2).
pub fn needs_light_text(t: f64) -> bool {
    t < 0.5
}

/// The `i`-th colour of the categorical palette (Tableau 10), as `#rrggbb`.
pub fn category(i: usize) -> String {
    format!("#{:x}", colorous::TABLEAU10[i % colorous::TABLEAU10.len()])
}

/// Nice tick values in `lo..=hi` from `plotters` (at most `count_max`, itself at most
/// [`TICKS_COUNT_MAX`]); the ends are not forced in.
pub fn nice_ticks(lo: f64, hi: f64, count_max: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return vec![lo];
    }
    let coord: RangedCoordf64 = (lo..hi).into();
    coord.key_points(count_max.clamp(1, TICKS_COUNT_MAX))
}

/// A vertical colour bar for `scale` at (`x`, `y`), `height_px` tall: a gradient from `ramp`'s
/// own stops, a tick and label at every value of [`Scale::ticks`], the unit as title, and a
/// hatched "never" swatch for times to lock. `id` makes the gradient's id unique in the page.
pub fn legend_svg(scale: &Scale, id: &str, x: f64, y: f64, height_px: f64) -> String {
    let mut svg = format!("<g class=\"legend\" data-metric=\"{}\">\n", scale.metric.name());
    let _ = write!(svg, "<defs><linearGradient id=\"{id}\" x1=\"0\" x2=\"0\" y1=\"1\" y2=\"0\">");
    for k in 0..=10 {
        let value = scale.max * f64::from(k) / 10.0;
        let _ = write!(
            svg,
            "<stop offset=\"{}\" stop-color=\"{}\"/>",
            f64::from(k) / 10.0,
            scale.colour(Some(value))
        );
    }
    let width = 14.0;
    let _ = writeln!(
        svg,
        "</linearGradient></defs>\n<text x=\"{x}\" y=\"{}\" font-size=\"10\">{}</text>\n<rect \
         x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height_px}\" fill=\"url(#{id})\" \
         stroke=\"#555\"/>",
        y - 6.0,
        xml_escape(&scale.unit_title())
    );
    for tick in scale.ticks() {
        let ty = y + height_px * (1.0 - tick / scale.max);
        let _ = writeln!(
            svg,
            "<line class=\"tick\" x1=\"{}\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" \
             stroke=\"#222\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            x + width,
            x + width + 4.0,
            x + width + 6.0,
            ty + 3.5,
            fmt_num(tick)
        );
    }
    if scale.metric.is_time_to_lock() {
        let sy = y + height_px + 8.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{sy}\" width=\"{width}\" height=\"12\" \
             fill=\"url(#{id}-never)\" stroke=\"#555\"/><text x=\"{}\" y=\"{}\" \
             font-size=\"10\">never</text>\n{}",
            x + width + 6.0,
            sy + 10.0,
            hatch_pattern(&format!("{id}-never"))
        );
    }
    svg + "</g>\n"
}

/// An SVG pattern `id`: the worst colour crossed by light diagonal lines (the fill of "never").
pub fn hatch_pattern(id: &str) -> String {
    format!(
        "<defs><pattern id=\"{id}\" class=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" \
         height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" \
         fill=\"{}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ffffff\" \
         stroke-width=\"2\"/></pattern></defs>",
        ramp(0.0)
    )
}

/// One line of a distribution chart: its label and the sorted times to lock (us, `None` =
/// never locked, last).
#[derive(Debug, Clone)]
pub struct CdfSeries<'a> {
    /// The legend text.
    pub label: String,
    /// Ascending times to lock, never last.
    pub times_us: &'a [Option<u64>],
    /// Drawn dashed (so that a line under it stays visible where they coincide).
    pub dashed: bool,
}

/// The empirical CDF of each series' time to lock, `0..=cap_s` on x and the share of walk-aways
/// locked by then on y (a curve that stays below 1 is the share that never locked), drawn by
/// `plotters` with its axes, ticks and legend. Returns the SVG element.
pub fn cdf_svg(series: &[CdfSeries<'_>], cap_s: f64) -> String {
    let legend_height_px = CDF_LEGEND_ROW_PX * series.len() as u32 + CDF_LEGEND_PAD_PX;
    let mut svg = String::new();
    {
        let size = (CDF_WIDTH_PX, CDF_PLOT_HEIGHT_PX + legend_height_px);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        // The legend goes below the plot, not inside it: inside it covered the curves that
        // stay low (settings whose walk-aways often never lock).
        let (plot, legend) = root.split_vertically(CDF_PLOT_HEIGHT_PX);
        let _ = draw_cdf(&plot, series, cap_s);
        let _ = draw_cdf_legend(&legend, series);
        let _ = root.present();
    }
    tag_svg(svg, "cdf")
}

/// The CDF chart's width and its plot's height, px (chosen for a report page 800 px wide).
const CDF_WIDTH_PX: u32 = 760;
const CDF_PLOT_HEIGHT_PX: u32 = 380;
/// One legend row below the CDF plot, and the space above the first, px (chosen).
const CDF_LEGEND_ROW_PX: u32 = 20;
const CDF_LEGEND_PAD_PX: u32 = 8;

/// The colour of series `index` in the CDF chart (Tableau 10, cycled).
fn cdf_colour(index: usize) -> RGBColor {
    let colour = colorous::TABLEAU10[index % colorous::TABLEAU10.len()];
    RGBColor(colour.r, colour.g, colour.b)
}

/// The CDF chart's legend, one row per series under the plot: a sample of its line (three
/// dashes for a dashed series) and its label.
fn draw_cdf_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[CdfSeries<'_>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let text = TextStyle::from(("sans-serif", 14).into_font()).color(&BLACK).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    for (i, s) in series.iter().enumerate() {
        let y = (CDF_LEGEND_PAD_PX + CDF_LEGEND_ROW_PX * i as u32 + CDF_LEGEND_ROW_PX / 2) as i32;
        let style = cdf_colour(i).stroke_width(2);
        let pieces: &[(i32, i32)] =
            if s.dashed { &[(68, 74), (77, 83), (86, 92)] } else { &[(68, 92)] };
        for &(from, to) in pieces {
            area.draw(&PathElement::new([(from, y), (to, y)], style))?;
        }
        area.draw(&Text::new(s.label.clone(), (100, y), text.clone()))?;
    }
    Ok(())
}

fn draw_cdf<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[CdfSeries<'_>],
    cap_s: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..cap_s, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("time to lock after walking away (s)")
        .y_desc("share of walk-aways locked")
        .max_light_lines(0)
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let rgb = cdf_colour(i);
        let n = s.times_us.len().max(1) as f64;
        let mut steps = vec![(0.0, 0.0)];
        for (k, t) in s.times_us.iter().enumerate() {
            // Never, or past the axis: the curve stays flat to the right edge.
            let Some(x) = t.map(|us| us as f64 / 1e6).filter(|x| *x <= cap_s) else { break };
            steps.push((x, k as f64 / n));
            steps.push((x, (k + 1) as f64 / n));
        }
        let last = steps.last().map_or(0.0, |p| p.1);
        steps.push((cap_s, last));
        let style = rgb.stroke_width(2);
        if s.dashed {
            // Each dashed line its own rhythm, so that coinciding lines interleave.
            let (dash, gap) = (4 + 3 * (i % 3) as i32, 3 + 2 * (i % 2) as i32);
            chart.draw_series(DashedLineSeries::new(steps, dash, gap, style))?;
        } else {
            chart.draw_series(LineSeries::new(steps, style))?;
        }
    }
    Ok(())
}

/// One point of the Pareto chart.
#[derive(Debug, Clone)]
pub struct ParetoPoint {
    /// Time to lock p95 (s); `None` = never, drawn at the right edge.
    pub time_to_lock_s_p95: Option<f64>,
    /// False locks per seated hour; `None` = nobody sat, drawn at 0.
    pub false_locks_per_h: Option<f64>,
    /// On the Pareto front.
    pub on_front: bool,
    /// The recommended point.
    pub recommended: bool,
}

/// The sweep's points as a scatter of time to lock p95 against false locks per hour, front
/// points highlighted and the recommended one ringed, by `plotters`.
pub fn pareto_svg(points: &[ParetoPoint]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 380)).into_drawing_area();
        let _ = draw_pareto(&root, points);
        let _ = root.present();
    }
    tag_svg(svg, "pareto")
}

fn draw_pareto<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    points: &[ParetoPoint],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let x_max = TIME_TO_LOCK_S_CAP;
    let y_max = points
        .iter()
        .filter_map(|p| p.false_locks_per_h)
        .fold(FALSE_LOCKS_PER_H_CAP / 5.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("time to lock p95 (s; never and >= 120 at the right edge)")
        .y_desc("false locks per seated hour")
        .max_light_lines(0)
        .draw()?;
    let at = |p: &ParetoPoint| {
        (p.time_to_lock_s_p95.map_or(x_max, |t| t.min(x_max)), p.false_locks_per_h.unwrap_or(0.0))
    };
    let grey = RGBColor(170, 170, 170);
    let front = category(0);
    let front_rgb = hex_rgb(&front);
    chart
        .draw_series(points.iter().filter(|p| !p.on_front).map(|p| Circle::new(at(p), 4, grey)))?
        .label("dominated")
        .legend(move |(x, y)| Circle::new((x + 8, y), 4, grey));
    chart
        .draw_series(
            points.iter().filter(|p| p.on_front).map(|p| Circle::new(at(p), 5, front_rgb.filled())),
        )?
        .label("Pareto front")
        .legend(move |(x, y)| Circle::new((x + 8, y), 5, front_rgb.filled()));
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.recommended)
                .map(|p| Circle::new(at(p), 9, BLACK.stroke_width(2))),
        )?
        .label("recommended")
        .legend(|(x, y)| Circle::new((x + 8, y), 6, BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
}

fn hex_rgb(hex: &str) -> RGBColor {
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    RGBColor(byte(1), byte(3), byte(5))
}

/// Adds a `class` to the root `<svg>` element `plotters` wrote, so that tests and styles find
/// the chart.
fn tag_svg(svg: String, class: &str) -> String {
    svg.replacen("<svg ", &format!("<svg class=\"{class}\" "), 1)
}

/// Ticks of a time axis `0..=end_s` that fit `width_px` with labels `font_px` high: the unit
/// (`s`, `min` or `h`, chosen by the span) and the tick positions (s) with their labels, from
/// `plotters`' nice values; as many as fit without two labels closer than one character.
pub fn time_ticks(end_s: f64, width_px: f64, font_px: f64) -> (&'static str, Vec<(f64, String)>) {
    let end_s = end_s.max(1.0);
    let (unit, per_unit_s) = if end_s <= 600.0 {
        ("s", 1.0)
    } else if end_s <= 3.0 * 3600.0 {
        ("min", 60.0)
    } else {
        ("h", 3600.0)
    };
    let end = end_s / per_unit_s;
    for count in (2..=TICKS_COUNT_MAX).rev() {
        let ticks: Vec<(f64, String)> =
            nice_ticks(0.0, end, count).into_iter().map(|v| (v * per_unit_s, fmt_num(v))).collect();
        let widest = ticks.iter().map(|(_, l)| l.chars().count()).max().unwrap_or(1) as f64;
        let spacing_px = ticks
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) / end_s * width_px)
            .fold(f64::INFINITY, f64::min);
        if spacing_px >= (widest + 1.0) * font_px * CHAR_WIDTH_EM {
            return (unit, ticks);
        }
    }
    (unit, vec![(0.0, "0".into())])
}

#[cfg(test)]
mod tests {

    /// The CDF's legend sits below the plot (it covered low curves inside it): every label's
    /// text is drawn under the plot's height, one row each, and the chart grows to hold them.
    #[test]
    fn the_cdf_legend_is_below_the_plot() {
        let times = [Some(30_000_000), None];
        let series = [
            CdfSeries { label: "recommended: a".into(), times_us: &times, dashed: false },
            CdfSeries { label: "neighbour: b".into(), times_us: &times, dashed: true },
        ];
        let svg = cdf_svg(&series, 120.0);
        let height = CDF_PLOT_HEIGHT_PX + CDF_LEGEND_PAD_PX + 2 * CDF_LEGEND_ROW_PX;
        assert!(svg.contains(&format!("height=\"{height}\"")), "{svg}");
        for label in ["recommended: a", "neighbour: b"] {
            let end = svg.find(label).unwrap_or_else(|| panic!("{label}: {svg}"));
            let start = svg[..end].rfind("<text").expect("text element");
            let y: f64 = svg[start..end]
                .split(" y=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|y| y.parse().ok())
                .expect("y attribute");
            assert!(y > f64::from(CDF_PLOT_HEIGHT_PX), "{label} at y {y}");
        }
    }

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::at_the_bound(TICKS_COUNT_MAX)]
    #[case::past_the_bound(TICKS_COUNT_MAX + 1)]
    #[case::far_past(10_000)]
    fn tick_counts_are_bounded(#[case] count: usize) {
        let ticks = nice_ticks(0.0, 1000.0, count);
        assert!(ticks.len() <= TICKS_COUNT_MAX + 1, "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[0] < w[1]), "{ticks:?}");
    }

    #[rstest]
    #[case::share(Metric::UnlockAvailability, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0])]
    #[case::time(Metric::TimeToLockP95, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0, 120.0])]
    fn legends_tick_round_values(#[case] metric: Metric, #[case] expected: Vec<f64>) {
        let ticks = Scale::of(metric).ticks();
        assert_eq!(ticks.len(), expected.len(), "{ticks:?}");
        assert!(ticks.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-9), "{ticks:?}");
    }
}
