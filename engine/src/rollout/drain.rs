//! The drain check: the role's command, run on the instance being drained (through the
//! provider: SSM Run Command on AWS), told which instance through `DROVE_*` variables, and
//! retried with backoff until it succeeds or its timeout runs out. Each attempt's exit
//! status and output go to the caller's `report`; an instance nothing can run on fails at
//! once, with what to check.

use crate::error::{codes, EngineError, Result};
use crate::provider::{HostCommand, HostOutcome, Provider};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Drain {
    pub command: String,
    pub timeout: Duration,
    /// The instance's address (without `#deposed`), for messages and `DROVE_ADDRESS`.
    pub address: String,
    /// The state key its termination removes (`ADDRESS#deposed` in a rollout): what the
    /// notes of its attempts are about.
    pub key: String,
    /// The instance the command runs on.
    pub instance_id: String,
    /// `DROVE_INSTANCE_ID`, `DROVE_PRIVATE_IP`, … in that order.
    pub env: Vec<(String, String)>,
    /// Whether the instance was launched with an instance profile, as the state last saw
    /// it (`None`: unknown); one without cannot register with SSM.
    pub has_profile: Option<bool>,
}

const FIRST_WAIT: Duration = Duration::from_millis(500);
const MAX_WAIT: Duration = Duration::from_secs(15);
/// How much of the command's last output goes into notes and the error.
const OUTPUT_TAIL: usize = 400;

/// Runs the check until it passes (returns the number of attempts) or the timeout runs out.
/// `report` hears how each attempt ended.
pub async fn run(d: &Drain, host: &dyn Provider, report: &(dyn Fn(&str) + Sync)) -> Result<u32> {
    let started = Instant::now();
    let deadline = started + d.timeout;
    let mut wait = FIRST_WAIT;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let cmd = HostCommand {
            instance_id: d.instance_id.clone(),
            address: d.address.clone(),
            command: d.command.clone(),
            env: d.env.clone(),
            timeout: deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1)),
        };
        let why = match host.run_on_host(&cmd).await? {
            HostOutcome::Exited { status: 0, output } => {
                report(&format!("drain check passed on attempt {attempts} (exit status 0{})", said(&output)));
                return Ok(attempts);
            }
            HostOutcome::Exited { status, output } => format!("exit status {status}{}", said(&output)),
            HostOutcome::TimedOut { output } => format!("still running at the timeout; cancelled{}", said(&output)),
            HostOutcome::Unreachable { why } => return Err(unreachable(d, &why)),
        };
        let now = Instant::now();
        if now + wait >= deadline {
            report(&format!("drain check attempt {attempts} failed: {why}; out of time"));
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
        report(&format!("drain check attempt {attempts} failed: {why}; again in {}", humantime::format_duration(wait)));
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_WAIT);
    }
}

/// `: OUTPUT` with the output's tail on one line, or nothing for no output.
fn said(output: &str) -> String {
    let text = output.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(OUTPUT_TAIL)..].iter().collect();
    format!(": {}{tail}", if chars.len() > OUTPUT_TAIL { "…" } else { "" })
}

fn unreachable(d: &Drain, why: &str) -> EngineError {
    let profile = match d.has_profile {
        Some(false) => "it was launched without an instance profile (before its role had one), so the SSM \
                        agent has no credentials: pass --skip-drain for this instance; its replacement gets the \
                        profile. Otherwise check "
            .to_string(),
        _ => "check that it runs with its role's instance profile (drove grants a role with a `drain` what the \
              SSM agent needs), "
            .to_string(),
    };
    EngineError::new(
        codes::DRAIN_UNREACHABLE,
        format!(
            "cannot run the drain check of {} on {}: SSM Run Command does not reach it ({why})",
            d.address, d.instance_id
        ),
    )
    .with_help(format!(
        "{profile}that its image runs the SSM agent (Amazon Linux 2 and 2023 and Ubuntu's AMIs ship it), and that \
         it has a route out to the SSM endpoints (a public address, a NAT gateway, or VPC endpoints for ssm, \
         ssmmessages and ec2messages); the instance is not terminated, and --skip-drain terminates it without the check"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::memory::MemoryProvider;
    use std::sync::Mutex;

    fn drain(id: &str, ms: u64) -> Drain {
        Drain {
            command: "test ! -s /var/log/td-agent/buffer/*".into(),
            timeout: Duration::from_millis(ms),
            address: "hosts.app[0]".into(),
            key: "hosts.app[0]#deposed".into(),
            instance_id: id.into(),
            env: vec![("DROVE_ADDRESS".into(), "hosts.app[0]".into())],
            has_profile: Some(true),
        }
    }

    #[tokio::test]
    async fn passes_after_retries_reports_each_attempt_and_times_out() {
        let cloud = MemoryProvider::new();
        let id = cloud.add_instance("hosts.app[0]");
        cloud.script_host(
            &id,
            vec![
                HostOutcome::Exited { status: 1, output: "buffer\nnot empty\n".into() },
                HostOutcome::TimedOut { output: String::new() },
                HostOutcome::Exited { status: 0, output: "drained".into() },
            ],
        );
        let notes = Mutex::new(Vec::new());
        let report = |n: &str| notes.lock().expect("lock").push(n.to_string());
        assert_eq!(run(&drain(&id, 10_000), &cloud, &report).await, Ok(3));
        assert_eq!(
            notes.into_inner().expect("notes"),
            [
                "drain check attempt 1 failed: exit status 1: buffer not empty; again in 500ms",
                "drain check attempt 2 failed: still running at the timeout; cancelled; again in 1s",
                "drain check passed on attempt 3 (exit status 0: drained)",
            ]
        );
        let sent = cloud.host_commands();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[0].instance_id, id);
        assert!(sent[0].script().ends_with("\ntest ! -s /var/log/td-agent/buffer/*"), "{}", sent[0].script());

        cloud.script_host(&id, vec![HostOutcome::Exited { status: 2, output: "x".repeat(1000) }; 10]);
        let e = run(&drain(&id, 800), &cloud, &|_| {}).await.expect_err("times out");
        assert_eq!(e.code, codes::DRAIN_FAILED);
        assert!(e.message.contains("hosts.app[0] did not pass within 1s (2 attempts; last: exit status 2: …xxx"));
        assert!(e.message.len() < 600, "only the output's tail: {}", e.message);
    }

    #[tokio::test]
    async fn an_instance_ssm_cannot_reach_fails_at_once() {
        let cloud = MemoryProvider::new();
        let started = Instant::now();
        let e = run(&drain("i-gone", 60_000), &cloud, &|_| {}).await.expect_err("unreachable");
        assert!(started.elapsed() < Duration::from_secs(5), "no retries");
        assert_eq!(e.code, codes::DRAIN_UNREACHABLE);
        assert!(e.message.contains("hosts.app[0] on i-gone"), "{}", e.message);
        let help = e.help.unwrap_or_default();
        assert!(
            help.contains("instance profile") && help.contains("SSM agent") && help.contains("route out"),
            "{help}"
        );
        let mut d = drain("i-gone", 1000);
        d.has_profile = Some(false);
        let e = run(&d, &cloud, &|_| {}).await.expect_err("unreachable");
        assert!(e.help.unwrap_or_default().contains("launched without an instance profile"));
    }
}
