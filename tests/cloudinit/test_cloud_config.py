"""The cloud-config of tests/cloudinit/stacks/tricky, read by PyYAML (what cloud-init
reads it with), holds exactly the values its drove source states: every kind of step,
with quotes, colons, `#`, braces, leading spaces, tabs, unicode and several lines."""

import base64
import subprocess

from citools import PASSPHRASE, STACKS, content, drove, filled, parsed, user_data

TRICKY = STACKS / "tricky"

FILES = {
    "/etc/motd": b"Managed by drove: don't edit.\n# not a comment\n",
    "/etc/app/quotes.txt": b'He said "hi" & left; C:\\temp\n',
    "/etc/app/unicode.txt": "日本語 – ümlaut – 🚀\u2028after a line separator\n".encode(),
    "/etc/app/leading.txt": b"   three leading spaces\n\ttab, trailing space \n",
    "/etc/app/long.conf": b'key: value\n  - [not, a, list]\n{ "json": true }  # hash\n',
    "/etc/app/braces.tpl": b"Hello {{ name }}",
    "/etc/app/empty": b"",
}
SECRET = b"password: 's3cr3t: #1'\n"


def test_every_step_kind_reads_back_as_written():
    ud = user_data(TRICKY)["app"]
    assert ud["secrets"] == ["db.yml"]
    assert ud["files"] == ["files/nginx.conf"]
    assert ud["encoding"] == "plain"
    doc = parsed(ud["cloud_config"])
    assert doc["package_update"] is True
    assert doc["packages"] == ["nginx", "yes", "0644", "1:20"]
    assert doc["users"] == ["default", {"name": "app", "groups": ["www-data", "adm"], "shell": "/bin/bash"},
                            {"name": "deploy"}]
    files = {f["path"]: f for f in doc["write_files"]}
    assert list(files) == [*FILES, "/etc/app/db.yml", "/etc/nginx/nginx.conf"]
    for path, expected in FILES.items():
        assert content(files[path]) == expected, path
    assert {p: (f.get("owner"), f.get("permissions")) for p, f in files.items()} == {
        "/etc/motd": (None, None),
        "/etc/app/quotes.txt": ("app", "0640"),
        "/etc/app/unicode.txt": (None, None),
        "/etc/app/leading.txt": (None, "0644"),
        "/etc/app/long.conf": (None, None),
        "/etc/app/braces.tpl": (None, None),
        "/etc/app/empty": (None, None),
        # A secret without a mode is readable by its owner only.
        "/etc/app/db.yml": ("app", "0600"),
        "/etc/nginx/nginx.conf": (None, "0644"),
    }
    # Text that holds `{{` is sent base64-encoded, so it cannot pose as a marker.
    assert files["/etc/app/braces.tpl"]["encoding"] == "b64"
    assert files["/etc/app/db.yml"]["content"] == "{{secret:db.yml}}"
    assert files["/etc/nginx/nginx.conf"]["content"] == "{{file:files/nginx.conf}}"
    assert doc["runcmd"] == [
        "echo 'a: b' > /tmp/x && echo \"#done\"",
        "test -f /etc/motd",
        ["systemctl", "enable", "nginx"],
        ["systemctl", "restart", "nginx"],
        ["systemctl", "enable", "ssh"],
        ["systemctl", "restart", "ssh"],
    ]


def test_filled_in_markers_carry_the_secret_and_the_repository_file():
    ud = user_data(TRICKY)["app"]
    plain = drove("secret", "decrypt", "db.yml", TRICKY, "--force", env={"DROVE_SECRET_PASSPHRASE": PASSPHRASE})
    assert plain.stdout.encode() == SECRET
    files = {f["path"]: f for f in parsed(filled(ud, TRICKY, {"db.yml": SECRET}))["write_files"]}
    assert content(files["/etc/app/db.yml"]) == SECRET
    assert content(files["/etc/nginx/nginx.conf"]) == (TRICKY / "files" / "nginx.conf").read_bytes()
    assert content(files["/etc/motd"]) == FILES["/etc/motd"]


def test_compiling_twice_gives_the_same_bytes():
    assert user_data(TRICKY) == user_data(TRICKY)
