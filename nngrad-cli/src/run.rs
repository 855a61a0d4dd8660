//! What every command that walks points shares: blocks of points with a progress bar and a
//! clean stop on Ctrl-C, the output file, and one-line errors.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nngrad_cli::points::Points;
use nngrad_core::BatchError;
use std::fmt::Display;
use std::io::{self, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a command ended, when it did not fail.
pub enum Outcome {
    Done,
    /// Ctrl-C: the message for standard error (exit status 130).
    Interrupted(String),
}

static STOP: AtomicBool = AtomicBool::new(false);

/// The first Ctrl-C asks the work to stop after the block running now; a second one ends
/// the process at once.
pub fn install_interrupt_handler() {
    // Failing to install it (no signal support) leaves Ctrl-C at its default: ending at once.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("nngrad: interrupted");
            std::process::exit(130);
        }
    });
}

/// How long one block should take: short enough for a prompt stop and a lively bar, long
/// enough that the parallel batch keeps every core busy.
const BLOCK_TIME: Duration = Duration::from_millis(250);

/// Runs `work` on consecutive ranges of the `total` points, sized to take about
/// [`BLOCK_TIME`] each, with a progress bar on a terminal's standard error. Returns the
/// number of points done: less than `total` when Ctrl-C stopped it.
pub fn in_blocks(
    total: usize,
    mut work: impl FnMut(Range<usize>) -> Result<(), String>,
) -> Result<usize, String> {
    let bar = if total > 1 && io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} points  {per_sec}  {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let threads = rayon::current_num_threads();
    let mut size = threads;
    let mut done = 0;
    while done < total {
        if STOP.load(Ordering::SeqCst) {
            bar.abandon();
            return Ok(done);
        }
        let range = done..(done + size).min(total);
        let started = Instant::now();
        work(range.clone())?;
        let took = started.elapsed().as_secs_f64().max(1e-6);
        let rate = range.len() as f64 / took;
        size = ((rate * BLOCK_TIME.as_secs_f64()) as usize).clamp(threads, 1 << 14);
        done = range.end;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    Ok(done)
}

/// Whether Ctrl-C was pressed (for work that is not split in blocks).
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The one-line message of a failed batch whose points start at `offset` in `points`.
pub fn batch_error<E: Display>(
    e: BatchError<E>,
    offset: usize,
    points: &Points,
    source: &str,
) -> String {
    match e {
        BatchError::Point { index, source: err } => {
            format!("{source}, {}: {err}", points.describe(offset + index))
        }
        BatchError::Output {
            index,
            expected,
            got,
        } => format!(
            "{source}, {}: the model gave {got} outputs, but declares {expected}",
            points.describe(offset + index)
        ),
        e => format!("{source}: {e}"),
    }
}

/// Where a report goes: standard output, or a file that is removed again unless the report
/// is complete (an interrupted or failed run leaves no half-written file behind).
pub struct Destination {
    path: Option<PathBuf>,
    complete: bool,
}

impl Destination {
    pub fn open(path: Option<&Path>) -> Result<(Destination, Box<dyn Write>), String> {
        match path {
            None => Ok((
                Destination {
                    path: None,
                    complete: false,
                },
                Box::new(io::BufWriter::new(io::stdout())),
            )),
            Some(p) => {
                if p.is_dir() {
                    return Err(format!("--out {}: is a directory", p.display()));
                }
                let file = std::fs::File::create(p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
                Ok((
                    Destination {
                        path: Some(p.to_path_buf()),
                        complete: false,
                    },
                    Box::new(io::BufWriter::new(file)),
                ))
            }
        }
    }

    /// Standard output, for lines printed beside a report written to a file.
    pub fn stdout() -> Destination {
        Destination {
            path: None,
            complete: true,
        }
    }

    /// How to name the destination in messages.
    pub fn name(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "standard output".into(),
        }
    }

    /// The message of a write error. A closed pipe (`nngrad … | head`) ends the program at
    /// once and quietly, as Unix tools do.
    pub fn write_error(&self, e: io::Error) -> String {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        format!("cannot write {}: {e}", self.name())
    }

    /// The report is whole: keep the file.
    pub fn complete(&mut self) {
        self.complete = true;
    }

    /// What to tell the user after an interruption at `done` of `total` points.
    pub fn interrupted(&mut self, done: usize, total: usize) -> Outcome {
        let fate = match self.path.take() {
            Some(p) => {
                let _ = std::fs::remove_file(&p);
                format!("; {} removed", p.display())
            }
            None => String::new(),
        };
        Outcome::Interrupted(format!("interrupted after {done} of {total} points{fate}"))
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if !self.complete {
            if let Some(p) = &self.path {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}
