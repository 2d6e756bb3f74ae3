//! `instavm-emulator [--host H] [--port P] [--build-ms MS]`: serves the InstaVM API
//! locally. Prints exactly one line once it accepts connections.

use std::process::ExitCode;

use instavm_emulator::{app_with_statics, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (settings, statics, host, port) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("instavm-emulator: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("instavm-emulator: cannot listen on {host}:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("instavm-emulator: {e}");
            return ExitCode::from(1);
        }
    };
    // Test harnesses wait for this exact line (and read the port from it).
    println!("instavm-emulator listening on http://{addr}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app_with_statics(settings, statics)).with_graceful_shutdown(shutdown).await {
        eprintln!("instavm-emulator: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

const USAGE: &str = "usage: instavm-emulator [--host 127.0.0.1] [--port 8787] [--build-ms 3000] [--boot-ms 500] [--static [/prefix=]DIR]...\n       [--faults 429:0.1,503:0.05,500:0.05,reset:0.05,lost:0.05,gateway:0.05,slow:0.05,malformed:0.02] [--seed N] [--latency-ms MIN..MAX] [--slow-ms 5000] [--idempotency]";

/// The settings, the static folders (`(URL prefix, folder)`), the host and the port.
type Parsed = (Settings, Vec<(String, std::path::PathBuf)>, String, u16);

fn parse_args(args: &[String]) -> Result<Parsed, String> {
    let mut settings = Settings::default();
    let mut statics = Vec::new();
    let (mut host, mut port) = ("127.0.0.1".to_string(), 8787u16);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => host = value()?,
            "--port" => port = value()?.parse().map_err(|_| "--port takes a number from 0 to 65535".to_string())?,
            "--build-ms" => settings.build_ms = value()?.parse().map_err(|_| "--build-ms takes a whole number of milliseconds".to_string())?,
            "--static" => {
                // `--static DIR` serves DIR at /, `--static /prefix=DIR` under /prefix.
                let spec = value()?;
                let (prefix, dir) = spec.split_once('=').map_or(("/".to_string(), spec.clone()), |(p, d)| (p.to_string(), d.to_string()));
                if !prefix.starts_with('/') || !std::path::Path::new(&dir).is_dir() {
                    return Err(format!("--static takes DIR or /prefix=DIR with an existing folder, got {spec}"));
                }
                statics.push((prefix, dir.into()));
            }
            "--faults" => settings.faults = instavm_emulator::parse_faults(&value()?)?,
            "--seed" => settings.seed = value()?.parse().map_err(|_| "--seed takes a whole number".to_string())?,
            "--slow-ms" => settings.slow_ms = value()?.parse().map_err(|_| "--slow-ms takes a whole number of milliseconds".to_string())?,
            "--latency-ms" => {
                let v = value()?;
                let (lo, hi) = v.split_once("..").unwrap_or((v.as_str(), v.as_str()));
                let parse = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("--latency-ms takes MIN..MAX milliseconds, got {v}"));
                settings.latency_ms = (parse(lo)?, parse(hi)?);
            }
            // Replays the first answer to a repeated Idempotency-Key: off by
            // default, as InstaVM documents no such header.
            "--idempotency" => settings.idempotency = true,
            "--boot-ms" => settings.boot_ms = value()?.parse().map_err(|_| "--boot-ms takes a whole number of milliseconds".to_string())?,
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok((settings, statics, host, port))
}
