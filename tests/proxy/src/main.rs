//! `drove-test-proxy --upstream URL [--latency-ms N] [--fault-share X] [--seed N] [--cache-reads]`: the
//! test proxy as a process, for benchmarks. Prints its endpoint, then serves until
//! interrupted and prints the calls it saw per action.

use clap::Parser;
use drove_test_proxy::{Config, Proxy};
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Forwards AWS calls to an emulator, counting them, with optional latency and faults")]
struct Args {
    /// Where to forward (moto's server: http://127.0.0.1:PORT)
    #[arg(long)]
    upstream: String,
    /// Hold every answer back this long (milliseconds)
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// The share of calls (0 to 1) answered with throttling or a 5xx
    #[arg(long, default_value_t = 0.0)]
    fault_share: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Answer a repeated GET from the emulator's first answer, until any other call
    #[arg(long)]
    cache_reads: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let config = Config {
        seed: args.seed,
        fault_share: args.fault_share,
        latency: Duration::from_millis(args.latency_ms),
        cache_reads: args.cache_reads,
        ..Config::default()
    };
    let proxy = match Proxy::start(&args.upstream, config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("drove-test-proxy: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", proxy.endpoint());
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(tokio::signal::ctrl_c()));
    if let Err(e) = waited {
        eprintln!("drove-test-proxy: cannot wait for Ctrl-C: {e}");
    }
    let counts = proxy.counts();
    for (action, n) in &counts.calls {
        println!("{action}\t{n}\t{} faults", counts.faults.get(action).copied().unwrap_or(0));
    }
    if args.cache_reads {
        println!("answered from the read cache\t{}", counts.cached);
    }
    proxy.stop();
    std::process::ExitCode::SUCCESS
}
