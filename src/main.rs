use std::io::IsTerminal;

use clap::Parser;

fn main() -> color_eyre::Result<()> {
    let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || !std::io::stderr().is_terminal();
    // A user-facing error (bad data, no network) needs its message, not a backtrace; panics still
    // follow RUST_BACKTRACE. RUST_LIB_BACKTRACE=1 brings error backtraces back.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let mut hook = color_eyre::config::HookBuilder::default().display_env_section(false);
    if plain {
        hook = hook.theme(color_eyre::config::Theme::new());
    }
    hook.install()?;
    let cli = whyrec::cli::Cli::parse();
    whyrec::cli::run(cli)
}
