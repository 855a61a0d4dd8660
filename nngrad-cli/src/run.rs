//! What every command that walks points shares: the output file, and one-line errors.

use nngrad_cli::points::Points;
use nngrad_core::BatchError;
use std::fmt::Display;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How a command ended, when it did not fail.
pub enum Outcome {
    Done,
    /// Ctrl-C: the message for standard error (exit status 130).
    Interrupted(String),
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
