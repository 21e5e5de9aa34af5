"""EC2's 16 KB user-data limit: a document over it is marked for gzip when gzip makes it
fit (and cloud-init reads the gzipped bytes), and a role that does not fit even gzipped
is refused with E0263 naming the biggest files."""

import gzip
import json
import random

from citools import LIMIT, drove, filled, parsed, schema_check, sent, user_data

HEAD = """stack sized {
  region = "ap-northeast-1"
}

network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a  public = true }
}

hosts app { role = app  count = 2  subnets = [main.a] }
"""


def stack(tmp_path, steps: str, files: dict | None = None):
    (tmp_path / "stack.drove").write_text(
        HEAD + 'role app {\n  image = image("debian-12-*")\n  type = t3.micro\n  provision {\n' + steps + "\n  }\n}\n")
    for name, data in (files or {}).items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return tmp_path


def noise(n: int) -> bytes:
    return random.Random(7).randbytes(n)


def test_small_user_data_is_sent_plain(tmp_path):
    ud = user_data(stack(tmp_path, '    package "nginx"'))["app"]
    assert ud["encoding"] == "plain"


def test_large_compressible_user_data_is_gzipped_and_still_valid(tmp_path):
    body = "".join(f"line {i}: the same words again and again\n" for i in range(600))
    d = stack(tmp_path, '    package "nginx"\n    file "/etc/big.conf" = file("files/big.conf")',
              {"files/big.conf": body.encode()})
    ud = user_data(d)["app"]
    assert ud["encoding"] == "gzip"
    document = filled(ud, d)
    assert len(document.encode()) > LIMIT
    data = sent(ud, document)
    assert len(data) <= LIMIT
    # cloud-init unpacks gzip user data before reading it.
    unpacked = gzip.decompress(data).decode()
    assert parsed(unpacked)["write_files"][0]["path"] == "/etc/big.conf"
    schema_check(unpacked, tmp_path)


def test_a_repository_file_counts_by_its_size_on_disk(tmp_path):
    d = stack(tmp_path, '    file "/srv/blob" = file("files/blob.bin")', {"files/blob.bin": noise(20_000)})
    proc = drove("compile", d, check=False)
    assert proc.returncode == 1
    assert "E0263" in proc.stderr and "`/srv/blob`" in proc.stderr, proc.stderr
    assert drove("check", d, check=False).returncode == 1


def test_inline_text_that_does_not_fit_gzipped_is_refused(tmp_path):
    # Hex of random bytes: about 4 bits a character, gzip halves it at best.
    text = noise(20_000).hex()
    d = stack(tmp_path, f'    package "nginx"\n    file "/srv/a" = "{text[:10_000]}"\n    file "/srv/b" = "{text[10_000:]}"')
    proc = drove("check", d, "--format", "json", check=False)
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)
    assert [x["code"] for x in diags] == ["E0263"]
    # Pointed at the provision block.
    src = (d / "stack.drove").read_text().splitlines()
    assert src[diags[0]["line"] - 1].strip().startswith("provision")
    compiled = drove("compile", d, check=False)
    assert compiled.returncode == 1 and "the biggest files are `/srv/b`" in compiled.stderr, compiled.stderr
