//! Commands run on instances through SSM Run Command (a role's drain check): SendCommand
//! with the `AWS-RunShellScript` document to the one instance, then GetCommandInvocation
//! until the invocation ends or the time runs out (then CancelCommand).
//!
//! An instance SSM does not know as a managed instance (no instance profile, no agent, no
//! route to SSM's endpoints) is refused by SendCommand with `InvalidInstanceId`; one whose
//! agent stopped answering ends `Undeliverable` or `DeliveryTimedOut`, or is still waiting
//! for delivery at the timeout. Each is [`HostOutcome::Unreachable`].

use super::sdk_error;
use crate::error::{codes, EngineError, Result};
use crate::provider::{HostCommand, HostOutcome};
use aws_sdk_ssm::error::ProvideErrorMetadata as _;
use aws_sdk_ssm::types::CommandInvocationStatus as Status;
use aws_sdk_ssm::Client;
use std::time::{Duration, Instant};

/// The document that runs shell commands on Linux instances, as root, with `sh`.
pub const DOCUMENT: &str = "AWS-RunShellScript";
/// SendCommand's least delivery timeout.
const MIN_DELIVERY_SECS: u64 = 30;
/// `executionTimeout` of AWS-RunShellScript: 1 second to 48 hours.
const MAX_EXECUTION_SECS: u64 = 172_800;
/// SendCommand's limit on a comment.
const MAX_COMMENT: usize = 100;
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(3);

/// Runs `cmd` on its instance and waits for the end of it, at most `cmd.timeout`.
pub async fn run(client: &Client, cmd: &HostCommand) -> Result<HostOutcome> {
    let deadline = Instant::now() + cmd.timeout;
    let secs = cmd.timeout.as_secs().max(1);
    let mut comment = format!("drove drain check of {}", cmd.address);
    comment.truncate(comment.char_indices().nth(MAX_COMMENT).map_or(comment.len(), |(i, _)| i));
    let sent = client
        .send_command()
        .document_name(DOCUMENT)
        .instance_ids(&cmd.instance_id)
        .comment(comment)
        // Delivery: waiting for the agent to pick the command up. Execution: the script.
        .timeout_seconds(i32::try_from(secs.max(MIN_DELIVERY_SECS)).unwrap_or(i32::MAX))
        .parameters("commands", vec![cmd.script()])
        .parameters("executionTimeout", vec![secs.min(MAX_EXECUTION_SECS).to_string()])
        .send()
        .await;
    let command_id = match sent {
        Ok(out) => out.command().and_then(|c| c.command_id()).unwrap_or_default().to_string(),
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("InvalidInstanceId") => {
            return Ok(HostOutcome::Unreachable {
                why: format!(
                    "SSM does not know {} as a managed instance: SendCommand answered InvalidInstanceId",
                    cmd.instance_id
                ),
            })
        }
        Err(e) => return Err(sdk_error("ssm SendCommand", e)),
    };
    if command_id.is_empty() {
        return Err(EngineError::new(codes::AWS_CALL, "ssm SendCommand answered no command id"));
    }
    let mut poll = FIRST_POLL;
    let mut delivered = false;
    loop {
        tokio::time::sleep(poll.min(deadline.saturating_duration_since(Instant::now()))).await;
        poll = (poll * 3 / 2).min(MAX_POLL);
        let got = client.get_command_invocation().command_id(&command_id).instance_id(&cmd.instance_id).send().await;
        match got {
            Ok(inv) => {
                let output = output_of(inv.standard_output_content(), inv.standard_error_content());
                let details = inv.status_details().unwrap_or_default();
                match inv.status() {
                    Some(Status::Success) => {
                        return Ok(HostOutcome::Exited { status: inv.response_code(), output });
                    }
                    Some(Status::Failed) if undeliverable(details) => {
                        return Ok(HostOutcome::Unreachable { why: format!("the command ended {details}") });
                    }
                    Some(Status::Failed) => {
                        // A script that could not start reports -1; count it as a failure.
                        let status = if inv.response_code() == 0 { -1 } else { inv.response_code() };
                        return Ok(HostOutcome::Exited { status, output });
                    }
                    Some(Status::TimedOut) if details == "DeliveryTimedOut" => {
                        return Ok(HostOutcome::Unreachable {
                            why: "the command was not delivered before its delivery timeout (DeliveryTimedOut)".into(),
                        });
                    }
                    Some(Status::TimedOut | Status::Cancelled) => return Ok(HostOutcome::TimedOut { output }),
                    Some(Status::InProgress) => delivered = true,
                    _ => {}
                }
            }
            // Right after SendCommand the invocation may not exist yet.
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("InvocationDoesNotExist") => {}
            Err(e) => return Err(sdk_error("ssm GetCommandInvocation", e)),
        }
        if Instant::now() >= deadline {
            cancel(client, &command_id, &cmd.instance_id).await;
            return Ok(if delivered {
                HostOutcome::TimedOut { output: String::new() }
            } else {
                HostOutcome::Unreachable {
                    why: "SSM had not delivered the command when the drain timeout ran out".into(),
                }
            });
        }
    }
}

/// Statuses of an invocation that never ran because nothing reached the instance.
fn undeliverable(details: &str) -> bool {
    matches!(details, "Undeliverable" | "Terminated" | "InvalidPlatform" | "AccessDenied")
}

/// Standard output, then standard error, as SSM returns them (each at most 24,000 characters).
fn output_of(stdout: Option<&str>, stderr: Option<&str>) -> String {
    [stdout, stderr].into_iter().flatten().map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n")
}

/// Best effort: a command left running on the instance ends at its execution timeout anyway.
async fn cancel(client: &Client, command_id: &str, instance_id: &str) {
    let _ = client.cancel_command().command_id(command_id).instance_ids(instance_id).send().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_statuses() {
        assert_eq!(output_of(Some("out\n"), Some(" err ")), "out\nerr");
        assert_eq!(output_of(Some(""), None), "");
        assert!(undeliverable("Undeliverable") && !undeliverable("Failed"));
    }
}
