//! The drain check: the role's command, run with `sh -c` before an instance is terminated,
//! told which instance through `DROVE_*` variables, and retried with backoff until it
//! succeeds or its timeout runs out.

use crate::error::{codes, EngineError, Result};
use std::io::{Read, Seek};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Drain {
    pub command: String,
    pub timeout: Duration,
    /// The instance's address (without `#deposed`), for messages and `DROVE_ADDRESS`.
    pub address: String,
    /// `DROVE_INSTANCE_ID`, `DROVE_PRIVATE_IP`, … in that order.
    pub env: Vec<(String, String)>,
}

const FIRST_WAIT: Duration = Duration::from_millis(500);
const MAX_WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(25);
/// How much of the command's last output goes into the error.
const OUTPUT_TAIL: usize = 400;

enum Attempt {
    Passed,
    Failed(String),
}

/// Runs the check until it passes (returns the number of attempts) or the timeout runs out.
pub async fn run(d: &Drain) -> Result<u32> {
    let started = Instant::now();
    let deadline = started + d.timeout;
    let mut wait = FIRST_WAIT;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        match attempt(d, deadline).await {
            Ok(Attempt::Passed) => return Ok(attempts),
            Ok(Attempt::Failed(why)) => {
                let now = Instant::now();
                if now + wait >= deadline {
                    return Err(EngineError::new(
                        codes::DRAIN_FAILED,
                        format!(
                            "the drain check of {} did not pass within {} ({attempts} attempts; last: {why})",
                            d.address,
                            humantime::format_duration(Duration::from_secs(d.timeout.as_secs().max(1)))
                        ),
                    )
                    .with_help(
                        "the old instance is kept and recorded as deposed; once it can drain, apply again, \
                         or pass --skip-drain to terminate it without the check",
                    ));
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
            Err(e) => return Err(e),
        }
    }
}

/// One run of the command, killed at the deadline.
async fn attempt(d: &Drain, deadline: Instant) -> Result<Attempt> {
    let spawn_error = |e: std::io::Error| {
        EngineError::new(codes::DRAIN_FAILED, format!("cannot run the drain check of {}: {e}", d.address))
    };
    let mut output = tempfile::tempfile().map_err(spawn_error)?;
    let err_out = output.try_clone().map_err(spawn_error)?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&d.command)
        .envs(d.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(output.try_clone().map_err(spawn_error)?)
        .stderr(err_out)
        .spawn()
        .map_err(spawn_error)?;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => tokio::time::sleep(POLL).await,
            Err(e) => return Err(spawn_error(e)),
        }
    };
    let Some(status) = status else { return Ok(Attempt::Failed("still running at the timeout; killed".into())) };
    if status.success() {
        return Ok(Attempt::Passed);
    }
    let mut text = String::new();
    if output.rewind().is_ok() {
        let mut bytes = Vec::new();
        let _ = output.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).trim().to_string();
    }
    let tail: String = {
        let chars: Vec<char> = text.chars().collect();
        chars[chars.len().saturating_sub(OUTPUT_TAIL)..].iter().collect()
    };
    let code = status.code().map_or_else(|| "killed by a signal".to_string(), |c| format!("exit status {c}"));
    Ok(Attempt::Failed(if tail.is_empty() { code } else { format!("{code}: {tail}") }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(command: &str, ms: u64) -> Drain {
        Drain {
            command: command.into(),
            timeout: Duration::from_millis(ms),
            address: "hosts.app[0]".into(),
            env: vec![("DROVE_ADDRESS".into(), "hosts.app[0]".into())],
        }
    }

    #[tokio::test]
    async fn passes_retries_and_times_out() {
        assert_eq!(run(&drain("test \"$DROVE_ADDRESS\" = 'hosts.app[0]'", 2000)).await, Ok(1));
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("n");
        // Fails on the first attempt, passes on the second.
        let cmd = format!("if [ -e '{0}' ]; then exit 0; else touch '{0}'; exit 3; fi", marker.display());
        assert_eq!(run(&drain(&cmd, 5000)).await, Ok(2));
        let e = run(&drain("echo buffer not empty >&2; exit 1", 800)).await.expect_err("times out");
        assert_eq!(e.code, codes::DRAIN_FAILED);
        assert!(
            e.message.contains("hosts.app[0]") && e.message.contains("exit status 1: buffer not empty"),
            "{}",
            e.message
        );
        let started = Instant::now();
        let e = run(&drain("sleep 30", 300)).await.expect_err("killed");
        assert!(e.message.contains("killed"), "{}", e.message);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
