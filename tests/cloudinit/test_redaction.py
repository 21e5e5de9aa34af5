"""`drove compile` never shows a secret, even with the key at hand."""

import base64

from citools import drove

PLAINTEXT = "db-password-7f3a9c-never-printed"


def test_compile_output_holds_markers_not_secrets(tmp_path):
    (tmp_path / "stack.drove").write_text("""stack red {
  region = "ap-northeast-1"
}

network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a }
}

role app {
  image = image("debian-12-*")
  type  = t3.micro
  provision {
    file "/etc/app/db.yml" owner "root" = secret("db.yml")
  }
}

hosts app { role = app  count = 1  subnets = [main.a] }
""")
    env = {"DROVE_SECRET_PASSPHRASE": "correct horse battery staple"}
    drove("secret", "encrypt", "db.yml", tmp_path, "--from", "-", stdin=PLAINTEXT, env=env)
    assert drove("secret", "decrypt", "db.yml", tmp_path, "--force", env=env).stdout == PLAINTEXT
    out = drove("compile", tmp_path, env=env)
    shown = out.stdout + out.stderr
    # By default the host fetches it from Parameter Store: the compiled model carries
    # the marker of its fingerprint and the parameter carries the ciphertext.
    assert "{{parameter:db.yml}}" in shown and '"ssm.parameter"' in shown
    for form in (PLAINTEXT, base64.b64encode(PLAINTEXT.encode()).decode(), PLAINTEXT.encode().hex()):
        assert form not in shown
