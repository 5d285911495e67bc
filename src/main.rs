//! The server binary: read the settings, make the relay and the site around
//! it, bind, serve until SIGTERM or Ctrl-C.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    use ephemeral_p2p::config::{Cli, Settings};
    use std::process::ExitCode;
    let matches = Cli::command().get_matches();
    let explicit_file = matches.value_source("config") != Some(clap::parser::ValueSource::DefaultValue);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let site_addr = std::env::var("LEPTOS_SITE_ADDR").ok();
    let settings = match Settings::load(cli, explicit_file, site_addr.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("ephemeral_p2p: {error}");
            return ExitCode::from(2);
        }
    };
    let rust_log = std::env::var("RUST_LOG").ok();
    let logs = ep2p_relay::log_subscriber(
        settings.log_format,
        ep2p_relay::log_filter(rust_log.as_deref()),
        std::io::stdout,
        std::env::var_os("NO_COLOR").is_none(),
    );
    // Also takes in the `log` records of libraries that use it.
    if let Err(error) = tracing_subscriber::util::SubscriberInitExt::try_init(logs) {
        eprintln!("ephemeral_p2p: logging: {error}");
        return ExitCode::from(1);
    }
    let mut leptos_options = match leptos::prelude::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(error) => {
            eprintln!("ephemeral_p2p: leptos configuration: {error}");
            return ExitCode::from(2);
        }
    };
    leptos_options.site_addr = settings.addr;
    // A release build with hashed file names (`hash-files` in Cargo.toml)
    // leaves their names beside the binary: use them, whoever started us.
    if let Some(dir) = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.to_path_buf()))
    {
        if dir.join(&*leptos_options.hash_file).is_file() {
            leptos_options.hash_files = true;
        }
    }

    let listener = match tokio::net::TcpListener::bind(settings.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("ephemeral_p2p: cannot listen on {}: {error}", settings.addr);
            return ExitCode::from(1);
        }
    };
    let addr = listener.local_addr().map_or(settings.addr, |a| a);
    let relay = match ep2p_relay::Relay::new(settings.relay) {
        Ok(relay) => relay,
        Err(error) => {
            eprintln!("ephemeral_p2p: {error}");
            return ExitCode::from(2);
        }
    };
    return_freed_memory();
    let app = ephemeral_p2p::server::site(&relay, leptos_options);
    tracing::info!(
        policy = %relay.config().hub.policy,
        content_limit = relay.limits().content_limit,
        "listening on http://{addr}"
    );
    match ep2p_relay::serve(listener, app, relay, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ephemeral_p2p: {error}");
            ExitCode::from(1)
        }
    }
}

/// glibc keeps memory freed by a burst (a thousand sockets gone, a megabyte
/// frame refused) in its arenas, where it still counts as the process's:
/// every few seconds, hand it back to the system.
#[cfg(all(feature = "ssr", target_os = "linux", target_env = "gnu"))]
fn return_freed_memory() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            // SAFETY: malloc_trim only releases free memory; any thread may call it at any time.
            let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
        }
    });
}

#[cfg(all(feature = "ssr", not(all(target_os = "linux", target_env = "gnu"))))]
fn return_freed_memory() {}

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
