//! A command run on one instance (a role's drain check), as a provider runs it: through
//! SSM Run Command on AWS, from a script in the in-memory provider. The script the
//! instance's shell runs is built here, the same for every provider.

use std::time::Duration;

/// One run of a command on an instance, waited for until it ends or `timeout` runs out.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCommand {
    pub instance_id: String,
    /// The instance's address (`hosts.app[0]`), for messages.
    pub address: String,
    /// The role's command, run by `sh` on the instance.
    pub command: String,
    /// Exported at the top of the script (`DROVE_INSTANCE_ID`, …), in this order.
    pub env: Vec<(String, String)>,
    /// How long this run may take, delivery included; a run still going then is cancelled.
    pub timeout: Duration,
}

impl HostCommand {
    /// The script the instance runs: each variable exported, shell-quoted, then the command.
    /// Its exit status is the command's.
    pub fn script(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.env {
            s.push_str(&format!("export {k}={}\n", shell_quote(v)));
        }
        s.push_str(&self.command);
        s
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOutcome {
    /// The command ran to its end: its exit status (0 passes) and what it printed
    /// (standard output, then standard error).
    Exited { status: i32, output: String },
    /// Still running, or still waiting to be delivered, when its time ran out; cancelled.
    TimedOut { output: String },
    /// Nothing can run on the instance: SSM does not reach it. Why, in a sentence.
    Unreachable { why: String },
}

/// `value` as one word for `sh`: in single quotes, each `'` written as `'\''`.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_exports_quoted_values_before_the_command() {
        let c = HostCommand {
            instance_id: "i-1".into(),
            address: "hosts.app[0]".into(),
            command: "test ! -s /var/log/td-agent/buffer/*".into(),
            env: vec![("DROVE_ADDRESS".into(), "hosts.app[0]".into()), ("DROVE_X".into(), "it's $HOME `x`".into())],
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            c.script(),
            "export DROVE_ADDRESS='hosts.app[0]'\nexport DROVE_X='it'\\''s $HOME `x`'\ntest ! -s /var/log/td-agent/buffer/*"
        );
        assert_eq!(shell_quote(""), "''");
    }

    /// The quoting survives a real shell: what `sh` sees is the value byte for byte.
    #[test]
    fn sh_reads_the_values_back() {
        let value = "a'b\"c $d `e` \\f\ng *";
        let c = HostCommand {
            instance_id: String::new(),
            address: String::new(),
            command: "printf %s \"$DROVE_V\"".into(),
            env: vec![("DROVE_V".into(), value.into())],
            timeout: Duration::from_secs(5),
        };
        let out = std::process::Command::new("sh").arg("-c").arg(c.script()).output().expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), value);
    }
}
