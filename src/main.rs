use clap::Parser;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = whyrec::cli::Cli::parse();
    whyrec::cli::run(cli)
}
