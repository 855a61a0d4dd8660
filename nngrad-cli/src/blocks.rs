//! Work on many points in blocks: a progress bar on a terminal, and a clean stop on Ctrl-C
//! between two blocks.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static STOP: AtomicBool = AtomicBool::new(false);

/// The first Ctrl-C asks the work to stop after the block running now; a second one ends
/// the process at once.
///
/// ```no_run
/// nngrad_cli::blocks::install_interrupt_handler();
/// ```
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
///
/// # Errors
/// The first error of `work`; the blocks after it are not run.
///
/// ```
/// let mut seen = Vec::new();
/// let done = nngrad_cli::blocks::in_blocks(10, |r| {
///     seen.extend(r);
///     Ok(())
/// })?;
/// assert_eq!((done, seen), (10, (0..10).collect::<Vec<_>>()));
/// # Ok::<(), String>(())
/// ```
pub fn in_blocks(
    total: usize,
    mut work: impl FnMut(Range<usize>) -> Result<(), String>,
) -> Result<usize, String> {
    let bar = if total > 1 && io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} points  {per_sec}  {eta} left")
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
