"""`marketplace subscriptions add|list|remove` on a real store: the secret printed once, never
listed; refusals name the field and change nothing."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import run_cli, service_env

DEMO = Path(__file__).resolve().parents[2] / "marketplace/demo/organisation.yaml"


def test_subscriptions_are_added_listed_and_removed_from_the_cli(tmp_path: Path) -> None:
    env = service_env(tmp_path, "sqlite", None)
    assert run_cli(env, "units", "import", str(DEMO)).returncode == 0
    hook = run_cli(
        env, "subscriptions", "add", "PWR-01", "--channel", "webhook",
        "--endpoint", "http://127.0.0.1:9/hooks", "-e", "marketplace.need.posted.v1",
    )  # fmt: skip
    assert hook.returncode == 0, hook.stderr
    secret = hook.stdout.split("whsec_")[1].split()[0]
    hook_id = hook.stdout.split("subscription_id: ")[1].strip()
    mail = run_cli(
        env, "subscriptions", "add", "PWR-01", "--channel", "email",
        "--endpoint", "ops@pwr.example.com",
    )  # fmt: skip
    assert mail.returncode == 0 and "whsec_" not in mail.stdout

    refused = run_cli(
        env, "subscriptions", "add", "PWR-01", "--channel", "webhook",
        "--endpoint", "https://169.254.169.254/latest/meta-data/",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "endpoint" in refused.stderr and "link-local" in refused.stderr

    listed = run_cli(env, "subscriptions", "list", "PWR-01")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and hook_id in lines[0]
    assert "\twebhook\tactive\tmarketplace.need.posted.v1\thttp://127.0.0.1:9/hooks\t" in lines[0]
    assert "\temail\tactive\t*\tops@pwr.example.com\t" in lines[1]
    assert secret not in listed.stdout

    assert run_cli(env, "subscriptions", "remove", hook_id).returncode == 0
    after = run_cli(env, "subscriptions", "list", "PWR-01").stdout
    assert f"{hook_id}\twebhook\tremoved" in after
    missing = run_cli(env, "subscriptions", "remove", "sub_nope")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
