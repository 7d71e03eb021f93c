//! `scalesim`: parse the arguments, run, print `Error: …` and exit 1 on failure (2 on usage).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let red = cli::style(anstyle::AnsiColor::Red);
            anstream::eprintln!("{red}Error:{red:#} {e:#}");
            ExitCode::FAILURE
        }
    }
}
