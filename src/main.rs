use std::io::IsTerminal;

use clap::Parser;

fn main() -> color_eyre::Result<()> {
    let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || !std::io::stderr().is_terminal();
    let mut hook = color_eyre::config::HookBuilder::default().display_env_section(false);
    if plain {
        hook = hook.theme(color_eyre::config::Theme::new());
    }
    hook.install()?;
    let cli = whyrec::cli::Cli::parse();
    whyrec::cli::run(cli)
}
