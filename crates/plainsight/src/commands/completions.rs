//! `plainsight completions SHELL` and `plainsight manpage`: what shells and `man`
//! need, generated from the same argument definitions the commands parse.

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print a completion script for a shell (bash, zsh, fish, elvish, powershell)
///
/// For example `plainsight completions bash > ~/.local/share/bash-completion/completions/plainsight`
/// or `plainsight completions zsh > "${fpath[1]}/_plainsight"`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

/// Print the manual page (roff), e.g. `plainsight manpage > plainsight.1 && man ./plainsight.1`
#[derive(Debug, Args)]
pub struct ManpageArgs {}

pub fn completions(args: CompletionsArgs) -> Result<()> {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "plainsight", &mut script);
    std::io::stdout()
        .write_all(&script)
        .context("cannot write to standard output")
}

pub fn manpage(_: ManpageArgs) -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::Cli::command())
        .render(&mut page)
        .context("cannot render the manual page")?;
    std::io::stdout()
        .write_all(&page)
        .context("cannot write to standard output")
}
