"""A role reading its secrets from SSM Parameter Store (tests/cloudinit/stacks/fetched):
the user data carries no secret, only a fetch step per file ahead of the role's own
commands, and that step, run by a POSIX shell with stand-ins for `aws`, `chown` and
`sleep` on PATH, writes exactly the secret's bytes with the stated mode, retries while the
instance role cannot read the parameter yet, and gives up with a clear message."""

import base64
import os
import stat
import subprocess

from citools import PASSPHRASE, STACKS, compiled, parsed, schema_check, user_data

FETCHED = STACKS / "fetched"
SECRET = b"password: 's3cr3t: #1'\n"


def fetch_steps(ud):
    return [c for c in parsed(ud["cloud_config"])["runcmd"] if isinstance(c, list) and c[3:4] == ["drove-secret"]]


def test_the_user_data_fetches_instead_of_carrying():
    ud = user_data(FETCHED)["app"]
    assert ud["secrets"] == [] and ud["parameters"] == ["db.yml"]
    doc = parsed(ud["cloud_config"])
    assert "write_files" not in doc
    steps = fetch_steps(ud)
    assert [s[4:9] for s in steps] == [
        ["/etc/app/db.yml", "/drove/fetched/db.yml", "app", "0600", "eu-west-1"],
        ["/etc/app/copy.yml", "/drove/fetched/db.yml", "app:app", "0640", "eu-west-1"],
    ]
    # Before the role's own commands, which may need the files.
    assert doc["runcmd"][len(steps):] == ["test -s /etc/app/db.yml"]
    # The marker the engine replaces with the value's fingerprint.
    assert steps[0][9] == "{{parameter:db.yml}}"


def test_the_stack_compiles_a_parameter_and_a_role_that_reads_only_it():
    resources = {r["address"]: r for r in compiled(FETCHED)["resources"]}
    assert resources["secret.db.yml"]["kind"] == "ssm.parameter"
    assert resources["secret.db.yml"]["attributes"]["name"] == "/drove/fetched/db.yml"
    role = resources["role.app"]["attributes"]
    assert role["grants"] == [{"actions": ["ssm:GetParameter"], "resource": {"ref": "secret.db.yml", "attribute": "arn"}}]
    assert resources["hosts.app[0]"]["attributes"]["instance_profile"] == {"ref": "role.app", "attribute": "profile_arn"}


def test_cloud_init_accepts_it(tmp_path):
    schema_check(user_data(FETCHED)["app"]["cloud_config"], tmp_path, "fetched.yaml")


def stand_ins(tmp_path, fail_times):
    """`aws` answering with the base64 of SECRET after failing `fail_times` times, and
    `chown` and `sleep` that only record their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    count = tmp_path / "aws.count"
    value = base64.b64encode(SECRET).decode()
    (bin_dir / "aws").write_text(
        "#!/bin/sh\n"
        f'echo "aws $*" >> "{log}"\n'
        f'n=$(cat "{count}" 2>/dev/null || echo 0); echo $((n+1)) > "{count}"\n'
        f'if [ "$n" -lt {fail_times} ]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi\n'
        f'echo "{value}"\n'
    )
    for tool in ("chown", "sleep"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return bin_dir, log


def run_step(step, root, bin_dir):
    # The step as cloud-init's runcmd runs it, with its path moved under a scratch root.
    args = list(step)
    args[4] = str(root) + args[4]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)


def test_the_fetch_step_writes_the_exact_bytes_with_its_mode(tmp_path):
    step = fetch_steps(user_data(FETCHED)["app"])[1]
    bin_dir, log = stand_ins(tmp_path, fail_times=2)
    root = tmp_path / "root"
    proc = run_step(step, root, bin_dir)
    assert proc.returncode == 0, proc.stderr
    written = root / "etc/app/copy.yml"
    assert written.read_bytes() == SECRET
    assert stat.S_IMODE(written.stat().st_mode) == 0o640
    # The parent directory is an ordinary one, not the 0700 of the umask the file gets.
    assert stat.S_IMODE(written.parent.stat().st_mode) & 0o055 == 0o055
    assert not [p for p in written.parent.iterdir() if ".drove." in p.name], "no temporary file left"
    calls = log.read_text().splitlines()
    aws = [c for c in calls if c.startswith("aws ")]
    assert len(aws) == 3, calls
    assert aws[0] == ("aws ssm get-parameter --region eu-west-1 --name /drove/fetched/db.yml "
                      "--with-decryption --query Parameter.Value --output text")
    assert calls.count("sleep 5") == 2
    assert any(c.startswith("chown app:app ") for c in calls), calls


def test_the_fetch_step_gives_up_with_a_clear_message(tmp_path):
    step = fetch_steps(user_data(FETCHED)["app"])[0]
    bin_dir, log = stand_ins(tmp_path, fail_times=1000)
    root = tmp_path / "root"
    proc = run_step(step, root, bin_dir)
    assert proc.returncode != 0
    assert "cannot read /drove/fetched/db.yml from SSM Parameter Store" in proc.stderr
    assert not (root / "etc/app/db.yml").exists()


def test_the_secret_is_the_one_the_stack_holds():
    from citools import drove
    plain = drove("secret", "decrypt", "db.yml", FETCHED, "--force", env={"DROVE_SECRET_PASSPHRASE": PASSPHRASE})
    assert plain.stdout.encode() == SECRET
