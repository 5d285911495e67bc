//! The server binary: read the settings, bind, serve until SIGTERM or Ctrl-C.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    use ephemeral_p2p::config::{Cli, Config};
    let rust_log = std::env::var("RUST_LOG").ok();
    tracing_subscriber::fmt().with_env_filter(ephemeral_p2p::server::log_filter(rust_log.as_deref())).init();

    let matches = Cli::command().get_matches();
    let explicit_file = matches.value_source("config") != Some(clap::parser::ValueSource::DefaultValue);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let config = match Config::load(cli, explicit_file) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("ephemeral_p2p: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut leptos_options = match leptos::prelude::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(error) => {
            eprintln!("ephemeral_p2p: leptos configuration: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    leptos_options.site_addr = config.addr;

    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("ephemeral_p2p: cannot listen on {}: {error}", config.addr);
            return std::process::ExitCode::from(1);
        }
    };
    let addr = listener.local_addr().map_or(config.addr, |a| a);
    tracing::info!(policy = ?config.hub.policy, content_limit = config.limits.content_limit, "listening on http://{addr}");
    match ephemeral_p2p::server::serve(listener, config, leptos_options, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ephemeral_p2p: {error}");
            std::process::ExitCode::from(1)
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
#[cfg(feature = "ssr")]
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no entry point here: see `hydrate()` in lib.rs.
}
