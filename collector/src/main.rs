use clap::Parser;

/// mimalloc rather than the system's allocator: ingest allocates and frees small buffers on
/// every request, from several threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = collector::cli::Cli::parse();
    // Bad settings are a usage error, like a bad flag: exit code 2, before anything starts.
    let settings = match cli.settings() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    collector::cli::init_tracing(settings.log_json, &settings.log);
    let runtime = match collector::cli::runtime(&settings) {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(collector::cli::run_with(cli, settings)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
