//! The pictures of a sweep report: one heat map per metric (and slice of the other parameters)
//! on the metric's fixed colour scale with a legend, "never" hatched and the recommended cell
//! outlined; the distribution of time to lock around the recommended point; the Pareto front as
//! a scatter plot. Colours, ticks and charts come from [`crate::charts`].

use scenarios::params::ParamValue;

use super::{SweepPoint, describe, metric_cell, param_text, pareto_front};
use crate::charts::{self, CdfSeries, ParetoPoint, Scale};
use crate::metrics::Metric;
use crate::output::{fmt_num, xml_escape};

/// The two parameters heat maps span: the first two with more than one value, in parameter
/// order. With one such parameter the heat map has one row.
fn heat_map_axes(points: &[SweepPoint]) -> Vec<usize> {
    let count = points.first().map_or(0, |p| p.params.len());
    (0..count).filter(|&k| distinct(points, k).len() > 1).take(2).collect()
}

/// Distinct values of parameter `k` in first-appearance order.
fn distinct(points: &[SweepPoint], k: usize) -> Vec<ParamValue> {
    let mut seen: Vec<ParamValue> = Vec::new();
    for p in points {
        if !seen.contains(&p.params[k].1) {
            seen.push(p.params[k].1.clone());
        }
    }
    seen
}

/// The points grouped by the values of the parameters not on an axis: (`name=value, ...`,
/// indices), in first-appearance order.
fn slices(points: &[SweepPoint], axes: &[usize]) -> Vec<(String, Vec<usize>)> {
    let others: Vec<usize> = (0..points[0].params.len()).filter(|k| !axes.contains(k)).collect();
    let mut slices: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, p) in points.iter().enumerate() {
        let key = others
            .iter()
            .map(|&k| format!("{}={}", p.params[k].0, param_text(&p.params[k].1)))
            .collect::<Vec<_>>()
            .join(", ");
        match slices.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(index),
            None => slices.push((key, vec![index])),
        }
    }
    slices
}

/// The "Heat maps" section: per metric, one map per slice.
pub(super) fn heat_maps_section(
    points: &[SweepPoint],
    metrics: &[Metric],
    recommended: Option<usize>,
) -> String {
    let mut html = "<h2>Heat maps</h2>\n".to_string();
    let axes = heat_map_axes(points);
    if axes.is_empty() {
        return html + "<p>Fewer than two distinct values in every parameter: no heat map.</p>\n";
    }
    html += "<p>Every map has its own legend; colours run from dark violet (worst) to yellow \
        (best) on a fixed range per metric, so equal colours mean equal values across maps. \
        Hatched cells never locked; the outlined cell is the recommended setting. Hover a cell \
        for its value and 95% interval.</p>\n";
    let slices = slices(points, &axes);
    for &metric in metrics {
        html += &format!("<h3>{}</h3>\n", xml_escape(metric.label()));
        for (i, (key, members)) in slices.iter().enumerate() {
            if !key.is_empty() {
                html += &format!("<p>{}</p>\n", xml_escape(key));
            }
            let map = HeatMap { points, metric, axes: &axes, slice: members, recommended };
            html += &map.svg(&format!("{}-{i}", metric.name()));
        }
    }
    html
}

/// One heat map: a metric over the two axes for one slice of points.
struct HeatMap<'a> {
    points: &'a [SweepPoint],
    metric: Metric,
    axes: &'a [usize],
    slice: &'a [usize],
    recommended: Option<usize>,
}

const CELL_W: usize = 64;
const CELL_H: usize = 28;
const LEFT: usize = 90;
/// Room above the cells for two title lines (x then y parameter) and the column labels.
const TOP: usize = 46;
/// Room right of the cells for the legend: bar, ticks and its title (chosen to fit the longest
/// title, "s (>= 120 drawn as 120)", at 10 px).
const LEGEND_W: usize = 170;

impl HeatMap<'_> {
    /// The point of the slice at column `x`, row `y` (`None` for a row-less map's row 0).
    fn point_at(&self, x: &ParamValue, y: Option<&ParamValue>) -> Option<usize> {
        self.slice.iter().copied().find(|&p| {
            self.points[p].params[self.axes[0]].1 == *x
                && y.is_none_or(|y| self.points[p].params[self.axes[1]].1 == *y)
        })
    }

    fn svg(&self, id: &str) -> String {
        let xs = distinct(self.points, self.axes[0]);
        let ys = if self.axes.len() > 1 { distinct(self.points, self.axes[1]) } else { Vec::new() };
        let rows = ys.len().max(1);
        let scale = Scale::of(self.metric);
        let legend_h = (CELL_H * rows).max(110) as f64;
        let width = LEFT + CELL_W * xs.len() + LEGEND_W;
        let height = TOP + (CELL_H * rows).max(legend_h as usize + 30) + 10;
        let x_name = &self.points[0].params[self.axes[0]].0;
        let y_name = self.axes.get(1).map_or("", |&k| self.points[0].params[k].0.as_str());
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" data-metric=\"{}\" \
            width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n{}\n<text \
            x=\"{LEFT}\" y=\"12\" font-size=\"11\">columns: {} →</text>\n",
            self.metric.name(),
            charts::hatch_pattern(&format!("{id}-hatch")),
            xml_escape(x_name),
        );
        if !y_name.is_empty() {
            let y_name = xml_escape(y_name);
            svg += &format!("<text x=\"4\" y=\"26\" font-size=\"11\">rows: {y_name} ↓</text>\n");
        }
        for (i, x) in xs.iter().enumerate() {
            svg += &format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                LEFT + CELL_W * i + CELL_W / 2,
                TOP - 4,
                xml_escape(&param_text(x))
            );
        }
        let mut outline = String::new();
        for j in 0..rows {
            if let Some(y) = ys.get(j) {
                svg += &format!(
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
                    LEFT - 6,
                    TOP + CELL_H * j + CELL_H / 2 + 4,
                    xml_escape(&param_text(y))
                );
            }
            for (i, x) in xs.iter().enumerate() {
                let (cx, cy) = (LEFT + CELL_W * i, TOP + CELL_H * j);
                let Some(p) = self.point_at(x, ys.get(j)) else { continue };
                svg += &self.cell(p, &scale, (cx, cy), id);
                if self.recommended == Some(p) {
                    outline = format!(
                        "<rect class=\"recommended\" x=\"{}\" y=\"{}\" width=\"{}\" \
                        height=\"{}\" fill=\"none\" stroke=\"#000000\" stroke-width=\"4\"/>\n\
                        <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" \
                        stroke=\"#ffffff\" stroke-width=\"1.5\"/>\n",
                        cx + 2,
                        cy + 2,
                        CELL_W - 4,
                        CELL_H - 4,
                        cx + 5,
                        cy + 5,
                        CELL_W - 10,
                        CELL_H - 10
                    );
                }
            }
        }
        svg += &outline;
        let legend_x = (LEFT + CELL_W * xs.len() + 24) as f64;
        svg += &charts::legend_svg(&scale, &format!("{id}-legend"), legend_x, 24.0, legend_h);
        svg + "</svg>\n"
    }

    /// One cell: the scale's colour (hatched worst for never, light grey when nothing was
    /// measured), the value, and a `<title>` with the exact value and interval.
    fn cell(&self, p: usize, scale: &Scale, (cx, cy): (usize, usize), id: &str) -> String {
        let metrics = &self.points[p].metrics;
        let value = metrics.value(self.metric);
        let never =
            value.is_none() && self.metric.is_time_to_lock() && metrics.walk_aways_count > 0;
        let (fill, light) = match (value, never) {
            (_, true) => (format!("url(#{id}-hatch)"), true),
            (None, false) => ("#eeeeee".into(), false),
            (Some(v), false) => {
                (scale.colour(Some(v)), charts::needs_light_text(scale.goodness(Some(v))))
            }
        };
        let text = metric_cell(metrics, self.metric);
        format!(
            "<g class=\"cell{}\" data-point=\"{p}\"><title>{}</title><rect x=\"{cx}\" \
            y=\"{cy}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{fill}\" \
            stroke=\"#ffffff\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" \
            fill=\"{}\"{}>{}</text></g>\n",
            if never { " never" } else { "" },
            xml_escape(&self.hover(p)),
            cx + CELL_W / 2,
            cy + CELL_H / 2 + 4,
            if light { "#ffffff" } else { "#000000" },
            if never { " font-weight=\"bold\"" } else { "" },
            xml_escape(&text)
        )
    }

    /// `rssi_min=-10, ...: time_to_lock_s_p95 46 s (95% CI 40 to 52 s), 40 walk-aways, 20 runs`.
    fn hover(&self, p: usize) -> String {
        let point = &self.points[p];
        let m = &point.metrics;
        let unit = self.metric.unit();
        let end = |v: f64| if v.is_finite() { fmt_num(v) } else { "never".into() };
        let interval = m
            .interval(self.metric)
            .map_or(String::new(), |(l, h)| format!(" (95% CI {} to {} {unit})", end(l), end(h)));
        format!(
            "{}: {} {} {unit}{interval}, {} walk-aways, {} runs",
            describe(&point.params),
            self.metric.name(),
            metric_cell(m, self.metric),
            m.walk_aways_count,
            m.runs_count
        )
    }
}

/// Microsoft's documented defaults: Dynamic Lock `rssiMin` -10 and `rssiMaxDelta` -10
/// (Microsoft Learn, "Dynamic lock" group policy settings).
const MICROSOFT_DEFAULTS: [(&str, i64); 2] = [("rssi_min", -10), ("rssi_max_delta", -10)];

/// Whether a parameter name is one of the defaults' knobs: `rssi_min` or one ending in
/// `_rssi_min` (and the same for `rssi_max_delta`).
fn is_knob(name: &str, knob: &str) -> bool {
    name == knob || name.ends_with(&format!("_{knob}"))
}

/// The point with Microsoft's defaults on every rssi knob and the other parameters of `like`.
fn microsoft_defaults(points: &[SweepPoint], like: usize) -> Option<usize> {
    let same_elsewhere = |p: &SweepPoint, k: usize| p.params[k] == points[like].params[k];
    (0..points.len()).find(|&i| {
        let p = &points[i];
        let mut knobs = 0;
        let all = (0..p.params.len()).all(|k| {
            let (name, value) = &p.params[k];
            match MICROSOFT_DEFAULTS.iter().find(|(knob, _)| is_knob(name, knob)) {
                Some((_, v)) => {
                    knobs += 1;
                    *value == ParamValue::Int(*v)
                }
                None => same_elsewhere(p, k),
            }
        });
        all && knobs > 0
    })
}

/// The grid neighbours of `center`: one step along one heat-map axis, all else equal.
fn neighbours(points: &[SweepPoint], center: usize) -> Vec<usize> {
    let mut found = Vec::new();
    for axis in heat_map_axes(points) {
        let values = distinct(points, axis);
        let Some(at) = values.iter().position(|v| *v == points[center].params[axis].1) else {
            continue;
        };
        for step in [at.checked_sub(1), Some(at + 1)].into_iter().flatten() {
            let Some(value) = values.get(step) else { continue };
            let found_here = (0..points.len()).find(|&i| {
                (0..points[i].params.len()).all(|k| {
                    let want = if k == axis { value } else { &points[center].params[k].1 };
                    points[i].params[k].1 == *want
                })
            });
            found.extend(found_here);
        }
    }
    found
}

/// The "Distributions" section: the CDF of time to lock for the recommended point, Microsoft's
/// defaults and the recommended point's neighbours; the Pareto front as a scatter plot.
pub(super) fn distributions_section(points: &[SweepPoint], recommended: Option<usize>) -> String {
    let mut html = "<h2 id=\"distributions\">Distributions</h2>\n".to_string();
    if let Some(r) = recommended {
        let mut chosen = vec![(r, "recommended")];
        if let Some(ms) = microsoft_defaults(points, r).filter(|&ms| ms != r) {
            chosen.push((ms, "Microsoft defaults"));
        }
        for n in neighbours(points, r) {
            if !chosen.iter().any(|(i, _)| *i == n) {
                chosen.push((n, "neighbour"));
            }
        }
        let series: Vec<CdfSeries<'_>> = chosen
            .iter()
            .map(|&(i, role)| CdfSeries {
                label: format!("{role}: {}", describe(&points[i].params)),
                times_us: &points[i].metrics.time_to_lock_us,
                dashed: role == "neighbour",
            })
            .collect();
        html += &format!(
            "<h3>Time to lock after walking away</h3>\n<p>Share of walk-aways locked within a \
            time, over every walk-away of every run; a curve that ends below 1 at {} s is the \
            share that locked later or never.</p>\n",
            fmt_num(charts::TIME_TO_LOCK_S_CAP)
        );
        html += &charts::cdf_svg(&series, charts::TIME_TO_LOCK_S_CAP);
    }
    let front = pareto_front(points);
    let scatter: Vec<ParetoPoint> = points
        .iter()
        .enumerate()
        .map(|(i, p)| ParetoPoint {
            time_to_lock_s_p95: p.metrics.value(Metric::TimeToLockP95),
            false_locks_per_h: p.metrics.value(Metric::FalseLocks),
            on_front: front.contains(&i),
            recommended: recommended == Some(i),
        })
        .collect();
    let at_edge = scatter
        .iter()
        .filter(|p| p.time_to_lock_s_p95.is_none_or(|t| t >= charts::TIME_TO_LOCK_S_CAP))
        .count();
    html += &format!(
        "<h3>Security versus nuisance</h3>\n<p>Every point's time to lock (p95) against its \
        false locks per seated hour; the Pareto front (on all four objectives) in colour, the \
        recommended point ringed. {at_edge} of {} points lock at p95 only after {} s or never and \
        sit on the right edge.</p>\n",
        scatter.len(),
        fmt_num(charts::TIME_TO_LOCK_S_CAP)
    );
    html + &charts::pareto_svg(&scatter)
}
