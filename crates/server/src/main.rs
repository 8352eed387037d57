//! `agent-console`: serves the Agent Console web app and answers Coder's `/api/v2/*`, either from an
//! embedded backend that emulates a Coder agent on this machine or by proxying to a real coderd.

use std::process::ExitCode;

use agent_console_server::cli::{Cli, Command};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    agent_console_server::request_log::init_tracing();
    let result = match cli.command {
        Command::Serve(args) => match args.into_config() {
            Ok(config) => agent_console_server::run(config).await,
            Err(err) => Err(err),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("agent-console: {err:#}");
            ExitCode::FAILURE
        }
    }
}
