//! What the AWS command tests share: moto (the engine's starter), the SDK configured for
//! it, and the binary run against it with the endpoint and test credentials.
#![allow(dead_code)]

pub mod ec2;

#[path = "../../../engine/tests/support/moto.rs"]
pub mod moto;

use std::path::Path;
use std::process::Command;

pub const REGION: &str = "ap-northeast-1";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `drove ARGS` in `dir`, talking to moto.
pub fn drove(moto: &moto::Moto, dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_drove"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the drove binary starts");
    let run = Run {
        code: out.status.code().expect("drove exits normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "drove {args:?} panicked:\n{}", run.stderr);
    run
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}
