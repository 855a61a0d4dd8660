//! `nngrad`: outputs, exact Jacobians, Jacobian-vector products, sensitivities and gradient
//! checks of a trained network (ONNX, or a MATLAB `genFunction` export) from the command
//! line. Errors are one line on standard error with exit status 1; usage errors exit 2;
//! Ctrl-C stops between blocks of points with exit status 130.

mod cli;
mod commands;
mod info;
mod run;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    nngrad_cli::blocks::install_interrupt_handler();
    match commands::dispatch(args) {
        Ok(run::Outcome::Done) => ExitCode::SUCCESS,
        Ok(run::Outcome::Interrupted(message)) => {
            eprintln!("nngrad: {message}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
