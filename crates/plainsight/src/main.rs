//! `plainsight`: hide one to three photos inside a cover photo, and reveal them.

mod colormap;
mod commands;
mod font;
mod images;
mod inspection;
mod memory;
mod model;
mod output;
mod plot;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::report;

/// What the exit status says, for scripts.
const EXIT_CODES: &str = "\
Exit status: 0 success; 1 internal error (a bug in plainsight); 2 bad input or usage
(nothing is written); 3 the secrets cannot be revealed as asked (for example a JPEG
container and a model that only survives lossless files).";

#[derive(Debug, Parser)]
#[command(name = "plainsight", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// CPU threads to use, 1 to 256 [default: all cores]
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Print nothing on stderr but errors (results on stdout, such as --json, stay)
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Hide(commands::hide::HideArgs),
    Reveal(commands::reveal::RevealArgs),
    Inspect(commands::inspect::InspectArgs),
    Eval(commands::eval::EvalArgs),
    Demo(commands::demo::DemoArgs),
    Train(commands::train::TrainArgs),
    Serve(commands::serve::ServeArgs),
    Completions(commands::completions::CompletionsArgs),
    Manpage(commands::completions::ManpageArgs),
}

/// A usage error in one line, like every other error: clap's message without its
/// usage block, pointing to --help.
fn usage_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    format!("{} (see --help)", message.join(" "))
}

fn main() -> ExitCode {
    // A panic is a bug, not something the user did: one line, no backtrace, exit 1.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error (a bug in plainsight; please report it): {message}{place}"
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version: not errors.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{}", usage_line(&error));
            return ExitCode::from(2);
        }
    };
    memory::keep_large_buffers();
    if let Some(threads) = cli.threads {
        // burn's CPU backend runs on rayon's global pool.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(threads))
            .build_global();
        if let Err(error) = pool {
            eprintln!("error: cannot set --threads: {error}");
            return ExitCode::from(2);
        }
    }
    report::set_quiet(cli.quiet);
    let run = std::panic::catch_unwind(|| match cli.command {
        Command::Hide(args) => commands::hide::run(args),
        Command::Reveal(args) => commands::reveal::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Completions(args) => commands::completions::completions(args),
        Command::Manpage(args) => commands::completions::manpage(args),
    });
    match run {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: {}", report::one_line(&error));
            match error.is::<report::NotRevealable>() {
                true => ExitCode::from(3),
                false => ExitCode::from(2),
            }
        }
        Err(_) => ExitCode::from(1),
    }
}
