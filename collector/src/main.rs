use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = collector::cli::Cli::parse();
    collector::cli::init_tracing(cli.log_json);
    match collector::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
