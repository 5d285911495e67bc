//! The run's figures drawn as SVG charts for BENCHMARKS.md (`plotters`,
//! SVG backend, no fonts: the text is `<text>` the viewer draws). Every
//! chart is drawn from the numbers the tables print, and checked after
//! drawing: `--smoke` draws them all, so the drawing cannot rot.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One policy at one host count (scenarios 1 and 2).
#[derive(Debug, Clone)]
pub struct TtcPoint {
    pub policy: &'static str,
    pub hosts: usize,
    /// Visitors one by one, in ms.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub frames_per_visitor: f64,
}

/// One page size (scenario 4): verified deliveries (or forwards) per second.
#[derive(Debug, Clone)]
pub struct ThroughputPoint {
    pub size_kib: f64,
    pub relay: f64,
    pub minimal: f64,
    pub hashing: f64,
}

/// The soak's memory (scenario 6).
#[derive(Debug, Clone, Default)]
pub struct SoakMemory {
    /// (seconds since the soak began, resident MiB)
    pub samples: Vec<(f64, f64)>,
    /// When the warm-up ended and the measured run began.
    pub measured_from: f64,
}

/// Every node's memory through the chaos soak (scenario 11).
#[derive(Debug, Clone, Default)]
pub struct ChaosMemory {
    /// Per node: (seconds since the run began, resident MiB; 0 while it is down).
    pub nodes: Vec<Vec<(f64, f64)>>,
    /// The faults: (seconds, what).
    pub faults: Vec<(f64, String)>,
}

/// Everything a run measured that has a chart.
#[derive(Debug, Default)]
pub struct Figures {
    pub ttc: Vec<TtcPoint>,
    pub throughput: Vec<ThroughputPoint>,
    pub soak: Option<SoakMemory>,
    pub chaos: Option<ChaosMemory>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("{path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

const SIZE: (u32, u32) = (760, 440);
const FONT: &str = "sans-serif";

/// A policy's colour, the same in every chart.
fn colour(policy: &str) -> RGBColor {
    match policy {
        "targeted" => RGBColor(0x1f, 0x6f, 0xc5),
        "random-drop" => RGBColor(0xd6, 0x3b, 0x2f),
        "broadcast" => RGBColor(0xe0, 0x8a, 0x00),
        _ => RGBColor(0x55, 0x55, 0x55),
    }
}

/// Draws every chart the figures have data for into `dir` and checks
/// each file: what was written, in order.
pub fn draw(figures: &Figures, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|source| ChartError::Io { path: dir.into(), source })?;
    let mut written = Vec::new();
    let policies = {
        let mut seen: Vec<&'static str> = Vec::new();
        for point in &figures.ttc {
            if !seen.contains(&point.policy) {
                seen.push(point.policy);
            }
        }
        seen
    };
    if !figures.ttc.is_empty() {
        let path = dir.join("time-to-content.svg");
        let mut series = Vec::new();
        for &policy in &policies {
            let points = |pick: fn(&TtcPoint) -> f64| -> Vec<(f64, f64)> {
                figures
                    .ttc
                    .iter()
                    .filter(|p| p.policy == policy && pick(p).is_finite())
                    .map(|p| (p.hosts as f64, pick(p).max(0.01)))
                    .collect()
            };
            series.push(Series {
                label: format!("{policy} p50"),
                colour: colour(policy),
                points: points(|p| p.p50_ms),
                dashed: false,
            });
            series.push(Series {
                label: format!("{policy} p99"),
                colour: colour(policy),
                points: points(|p| p.p99_ms),
                dashed: true,
            });
        }
        log_log(
            &path,
            "Time to content, visitors one by one (log–log)",
            "hosts on the page",
            "ms from join to verified page",
            &series,
        )?;
        written.push(path);

        let path = dir.join("frames-per-visitor.svg");
        let series: Vec<Series> = policies
            .iter()
            .map(|&policy| Series {
                label: policy.to_string(),
                colour: colour(policy),
                points: figures
                    .ttc
                    .iter()
                    .filter(|p| p.policy == policy && p.frames_per_visitor.is_finite())
                    .map(|p| (p.hosts as f64, p.frames_per_visitor.max(0.1)))
                    .collect(),
                dashed: false,
            })
            .collect();
        log_log(
            &path,
            "Server frames per served visitor (log–log)",
            "hosts on the page",
            "frames sent per visitor served",
            &series,
        )?;
        written.push(path);
    }
    if !figures.throughput.is_empty() {
        let path = dir.join("throughput.svg");
        let line = |label: &str, colour: RGBColor, pick: fn(&ThroughputPoint) -> f64| Series {
            label: label.to_string(),
            colour,
            points: figures.throughput.iter().map(|p| (p.size_kib, pick(p).max(1.0))).collect(),
            dashed: false,
        };
        let series = vec![
            line("relay: verified deliveries / s", colour("targeted"), |p| p.relay),
            line("minimal server: forwards / s", RGBColor(0x44, 0x44, 0x44), |p| p.minimal),
            line("minimal + SHA-256: forwards / s", RGBColor(0x2e, 0x9d, 0x5a), |p| p.hashing),
        ];
        log_log(
            &path,
            "Throughput against both baselines (log–log)",
            "page size (KiB)",
            "pages per second",
            &series,
        )?;
        written.push(path);
    }
    if let Some(soak) = figures.soak.as_ref().filter(|soak| soak.samples.len() >= 2) {
        let path = dir.join("soak-memory.svg");
        soak_memory(&path, soak)?;
        written.push(path);
    }
    if let Some(chaos) = figures.chaos.as_ref().filter(|c| c.nodes.iter().any(|n| n.len() >= 2)) {
        let path = dir.join("chaos-memory.svg");
        chaos_memory(&path, chaos)?;
        written.push(path);
    }
    for path in &written {
        check(path)?;
    }
    Ok(written)
}

/// One line of a chart.
struct Series {
    label: String,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
    dashed: bool,
}

/// A range around `values` on a log axis: whole decades around the data.
fn decades(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if low > high {
        return 1.0..10.0;
    }
    let low = 10f64.powf(low.log10().floor());
    let high = 10f64.powf(high.log10().ceil()).max(low * 10.0);
    low..high
}

/// A number as a person writes it on an axis: 0.01, 0.5, 10, 5k.
fn tick(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn draw_error(path: &Path, error: impl std::fmt::Display) -> ChartError {
    ChartError::Draw { path: path.into(), message: error.to_string() }
}

/// A chart with both axes on log scales, a line and points per series.
fn log_log(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), ChartError> {
    let xs = decades(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let ys = decades(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    chart(
        path,
        title,
        x_label,
        y_label,
        xs.log_scale(),
        ys.log_scale(),
        series,
        &[],
        SeriesLabelPosition::UpperLeft,
    )
}

/// Draws `series` on the given axes, with vertical `marks` (x, label;
/// numbered at their top when there are several, since they share a
/// colour) and the legend where it hides no line.
#[allow(clippy::too_many_arguments)]
fn chart<X, Y>(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: X,
    y: Y,
    series: &[Series],
    marks: &[(f64, &str)],
    legend: SeriesLabelPosition,
) -> Result<(), ChartError>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_error(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(|e| draw_error(path, e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .bold_line_style(RGBColor(0xd0, 0xd0, 0xd0))
        .draw()
        .map_err(|e| draw_error(path, e))?;
    let y_range = chart.y_range();
    let grey = RGBColor(0x88, 0x88, 0x88);
    for (n, &(at, label)) in marks.iter().enumerate() {
        let label = if marks.len() > 1 { format!("{}: {label}", n + 1) } else { label.to_string() };
        chart
            .draw_series(DashedLineSeries::new(
                [(at, y_range.start), (at, y_range.end)],
                6,
                4,
                grey.stroke_width(1),
            ))
            .map_err(|e| draw_error(path, e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], grey.stroke_width(1)));
        if marks.len() > 1 {
            let number =
                Text::new(format!(" {}", n + 1), (at, y_range.end), (FONT, 12).into_font().color(&grey));
            chart.draw_series(std::iter::once(number)).map_err(|e| draw_error(path, e))?;
        }
    }
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let colour = s.colour;
        let style = colour.stroke_width(2);
        let drawn = if s.dashed {
            chart.draw_series(DashedLineSeries::new(s.points.iter().copied(), 7, 4, style))
        } else {
            chart.draw_series(LineSeries::new(s.points.iter().copied(), style))
        };
        // A dashed line's key has a gap in the middle.
        let gap = if s.dashed { 2 } else { 0 };
        drawn.map_err(|e| draw_error(path, e))?.label(s.label.clone()).legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new([(0, 0), (9 - gap, 0)], colour.stroke_width(2))
                + PathElement::new([(9 + gap, 0), (18, 0)], colour.stroke_width(2))
        });
        if s.points.len() < 50 {
            let fill = if s.dashed { colour.mix(0.0).filled() } else { colour.filled() };
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| Circle::new(p, 3, if s.dashed { colour.stroke_width(1) } else { fill })),
                )
                .map_err(|e| draw_error(path, e))?;
        }
    }
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xcc, 0xcc, 0xcc))
        .label_font((FONT, 12))
        .draw()
        .map_err(|e| draw_error(path, e))?;
    root.present().map_err(|e| draw_error(path, e))
}

/// The soak's resident memory over time, with the warm-up's end marked.
fn soak_memory(path: &Path, soak: &SoakMemory) -> Result<(), ChartError> {
    let end = soak.samples.iter().map(|s| s.0).fold(1.0, f64::max);
    let top = soak.samples.iter().map(|s| s.1).fold(1.0, f64::max) * 1.15;
    let series = [Series {
        label: "server resident memory (MiB)".into(),
        colour: colour("targeted"),
        points: soak.samples.clone(),
        dashed: false,
    }];
    chart(
        path,
        "Soak: the server's memory, visitors and every attack together",
        "seconds since the server started",
        "resident memory (MiB)",
        0.0..end,
        0.0..top,
        &series,
        &[(soak.measured_from, "warm-up ends, measured run begins")],
        SeriesLabelPosition::UpperLeft,
    )
}

/// Every node's resident memory through the chaos soak, the faults marked.
fn chaos_memory(path: &Path, chaos: &ChaosMemory) -> Result<(), ChartError> {
    let all = || chaos.nodes.iter().flatten();
    let end = all().map(|s| s.0).fold(1.0, f64::max);
    // The legend sits low on the right, under the lines (a node that is
    // down is at 0 only between its kill and its restart, early on).
    let top = all().map(|s| s.1).fold(1.0, f64::max) * 1.15;
    let palette = [colour("targeted"), colour("random-drop"), colour("broadcast")];
    let series: Vec<Series> = chaos
        .nodes
        .iter()
        .enumerate()
        .map(|(n, samples)| Series {
            label: format!("node {n} resident memory (MiB)"),
            colour: palette[n % palette.len()],
            points: samples.clone(),
            dashed: false,
        })
        .collect();
    let marks: Vec<(f64, &str)> = chaos.faults.iter().map(|(at, what)| (*at, what.as_str())).collect();
    chart(
        path,
        "Chaos soak: every node's memory, a node and Redis killed",
        "seconds since the run began",
        "resident memory (MiB)",
        0.0..end,
        0.0..top,
        &series,
        &marks,
        SeriesLabelPosition::LowerRight,
    )
}

/// A chart is an SVG with its title, a line per series and its legend.
fn check(path: &Path) -> Result<(), ChartError> {
    let svg = std::fs::read_to_string(path).map_err(|source| ChartError::Io { path: path.into(), source })?;
    let lines = svg.matches("<polyline").count();
    if !svg.starts_with("<svg") || !svg.trim_end().ends_with("</svg>") || lines == 0 || !svg.contains("<text")
    {
        return Err(draw_error(path, format!("not a chart: {} bytes, {lines} lines", svg.len())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_is_drawn_with_its_series_and_legend() {
        let dir = std::env::temp_dir().join(format!("ep2p-charts-{}", std::process::id()));
        let ttc = ["targeted", "random-drop"]
            .into_iter()
            .flat_map(|policy| {
                [1, 10, 100].map(|hosts| TtcPoint {
                    policy,
                    hosts,
                    p50_ms: 0.5 * hosts as f64,
                    p99_ms: 2.0 * hosts as f64,
                    frames_per_visitor: 3.0 + hosts as f64,
                })
            })
            .collect();
        let throughput = [1.0, 16.0, 256.0]
            .map(|size_kib| ThroughputPoint {
                size_kib,
                relay: 9000.0 / size_kib,
                minimal: 20000.0 / size_kib,
                hashing: 12000.0 / size_kib,
            })
            .to_vec();
        let soak = SoakMemory {
            samples: (0..40).map(|i| (i as f64 * 0.25, 20.0 + (i % 7) as f64)).collect(),
            measured_from: 3.0,
        };
        let chaos = ChaosMemory {
            nodes: (0..3).map(|n| (0..40).map(|i| (i as f64 * 0.25, 10.0 + n as f64)).collect()).collect(),
            faults: vec![(2.0, "node 2 killed".into()), (5.0, "Redis killed".into())],
        };
        let written = draw(&Figures { ttc, throughput, soak: Some(soak), chaos: Some(chaos) }, &dir).unwrap();
        let names: Vec<_> =
            written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            [
                "time-to-content.svg",
                "frames-per-visitor.svg",
                "throughput.svg",
                "soak-memory.svg",
                "chaos-memory.svg"
            ]
        );
        let chaos = std::fs::read_to_string(dir.join("chaos-memory.svg")).unwrap();
        for label in ["node 0 resident", "node 2 resident", "Redis killed"] {
            assert!(chaos.contains(label), "{label} missing");
        }
        let ttc = std::fs::read_to_string(dir.join("time-to-content.svg")).unwrap();
        for label in ["targeted p50", "targeted p99", "random-drop p50", "hosts on the page"] {
            assert!(ttc.contains(label), "{label} missing");
        }
        let soak = std::fs::read_to_string(dir.join("soak-memory.svg")).unwrap();
        assert!(soak.contains("warm-up ends"), "the warm-up is marked");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nothing_to_draw_draws_nothing_and_a_broken_file_is_caught() {
        let dir = std::env::temp_dir().join(format!("ep2p-charts-empty-{}", std::process::id()));
        assert!(draw(&Figures::default(), &dir).unwrap().is_empty());
        let broken = dir.join("broken.svg");
        std::fs::write(&broken, "<svg></svg>").unwrap();
        assert!(check(&broken).is_err(), "a chart without lines is refused");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ticks_read_like_numbers() {
        assert_eq!(tick(0.01), "0.01");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(10.0), "10");
        assert_eq!(tick(5000.0), "5000");
        assert_eq!(tick(20000.0), "20k");
        assert_eq!(decades([0.3, 42.0].into_iter()), 0.1..100.0);
    }
}
