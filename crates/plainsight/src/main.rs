//! `plainsight`: hide one to three photos inside a cover photo, and reveal them.

mod colormap;
mod commands;
mod font;
mod images;
mod inspection;
mod model;
mod plot;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "plainsight", version, about)]
struct Cli {
    /// CPU threads to use [default: all cores]
    #[arg(long, global = true)]
    threads: Option<usize>,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(threads) = cli.threads {
        // burn's CPU backend runs on rayon's global pool.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global();
        if let Err(error) = pool {
            eprintln!("error: cannot set --threads: {error}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Hide(args) => commands::hide::run(args),
        Command::Reveal(args) => commands::reveal::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
