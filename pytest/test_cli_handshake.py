"""`ticketlab handshake`: the world, driven the way a user drives it."""
import json

from conftest import assert_clean


def test_tls13_text_shows_full_then_resumed(run):
    p = run("handshake", "--tls", "1.3", "--resume", "1")
    assert_clean(p)
    assert p.returncode == 0, p.stderr
    assert "handshake 0: full, TLSv1.3" in p.stdout
    assert "handshake 1: resumed, TLSv1.3" in p.stdout
    assert "tickets received: 2" in p.stdout
    assert "decrypt_cb status=SUCCESS" in p.stdout


def test_tls12_json_has_events_and_tickets(run):
    p = run("handshake", "--tls", "1.2", "--resume", "2", "--json")
    assert_clean(p)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["tls"] == "TLSv1.2"
    hs = doc["handshakes"]
    assert len(hs) == 3
    assert hs[0]["server"]["reused"] is False
    assert hs[0]["ticket_count"] == 1
    assert [e["status"] for e in hs[0]["events"] if e["kind"] == "decrypt_cb"] == ["EMPTY"]
    for h in hs[1:]:
        assert h["client"]["reused"] and h["server"]["reused"]
        assert [e["status"] for e in h["events"] if e["kind"] == "decrypt_cb"] == ["SUCCESS"]


def test_same_seed_same_bytes_different_seed_different_bytes(run):
    a = run("handshake", "--json", "--seed", "9", "--resume", "0")
    b = run("handshake", "--json", "--seed", "9", "--resume", "0")
    c = run("handshake", "--json", "--seed", "10", "--resume", "0")
    assert a.returncode == b.returncode == c.returncode == 0
    assert a.stdout == b.stdout
    ta = json.loads(a.stdout)["handshakes"][0]["tickets"][0]["ticket"]
    tc = json.loads(c.stdout)["handshakes"][0]["tickets"][0]["ticket"]
    assert ta != tc


def test_appdata_reaches_the_decrypt_callback(run):
    p = run("handshake", "--json", "--appdata", "c0ffee")
    assert p.returncode == 0, p.stderr
    dec = [e for e in json.loads(p.stdout)["handshakes"][1]["events"] if e["kind"] == "decrypt_cb"]
    assert dec and dec[0]["appdata"] == "c0ffee"


def test_every_key_source_resumes(run):
    for src in ("builtin", "set-keys", "evp-cb", "legacy-cb"):
        for tls in ("1.2", "1.3"):
            p = run("handshake", "--tls", tls, "--key-source", src, "--json")
            assert_clean(p)
            assert p.returncode == 0, (src, tls, p.stderr)
            h = json.loads(p.stdout)["handshakes"]
            assert h[1]["server"]["reused"], (src, tls)


def test_bad_options_are_one_line_errors(run):
    for args in (["--tls", "1.1"], ["--resume", "x"], ["--key-source", "nope"],
                 ["--appdata", "abc"], ["--bogus"], ["--tls"], ["--alpn", ",,"]):
        p = run("handshake", *args)
        assert_clean(p)
        assert p.returncode == 2, args
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("ticketlab handshake: "), p.stderr
