"""The binary's handling of configuration: one-line errors naming the key, exit status."""

import pathlib

import httpx
import pytest

from conftest import ROOT, SHIPPED_CONFIG, RunningServer, clean_environment, run_binary

SHIPPED = SHIPPED_CONFIG.read_text()


def write_config(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    """A config in a scratch folder whose model paths still reach the repository's models/."""
    (tmp_path / "models").symlink_to(ROOT / "models")
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (("require_auth = true", "require_auth = true\nrequire_atuh = true"), "api.require_atuh: unknown key (did you mean 'require_auth'?)"),
        (('type = "chat"', 'type = "chatt"'), "type: unknown model type 'chatt'"),
        (("models/SmolLM2-135M-Instruct.Q4_1.gguf\"\ntype = \"chat\"", "models/missing.gguf\"\ntype = \"chat\""), "smollm2-135m-instruct.path: no file or folder at"),
        (('address = "127.0.0.1:8080"', 'address = "127.0.0.1"'), "api.address: cannot parse '127.0.0.1'"),
        (('api_key = "cyxwiz-local-dev-key"', 'api_key = ""'), "api.require_auth: require_auth = true but no key is set"),
        (("require_auth = true", "require_auth = yes"), "not valid TOML"),
        (("max_requests_per_minute = 0", "max_requests_per_minute = \"lots\""), "api.max_requests_per_minute: expected an integer, found a string"),
    ],
)
def test_mistakes_exit_non_zero_with_one_line_naming_them(tmp_path, edit, fragment):
    old, new = edit
    assert old in SHIPPED
    config = write_config(tmp_path, SHIPPED.replace(old, new, 1))
    result = run_binary("serve", "--config", str(config))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0], lines[0]
    assert result.stdout == ""


def test_missing_config_file(tmp_path):
    result = run_binary("serve", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode != 0
    assert "nope.toml" in result.stderr and "cannot read" in result.stderr


def test_disabled_api_exits_cleanly_with_a_message(tmp_path):
    config = write_config(tmp_path, SHIPPED.replace("enabled = true", "enabled = false", 1))
    result = run_binary("serve", "--config", str(config))
    assert result.returncode == 0
    assert "disabled" in result.stderr and "api.enabled = false" in result.stderr


def test_bad_address_option(tmp_path):
    result = run_binary("serve", "--config", str(SHIPPED_CONFIG), "--address", "nowhere")
    assert result.returncode != 0
    assert "--address" in result.stderr


def test_environment_key_replaces_the_file_key():
    running = RunningServer(SHIPPED_CONFIG, env=clean_environment(CYXWIZ_API_KEY="key-from-environment"))
    try:
        url = f"{running.base_url}/v1/models"
        assert httpx.get(url, headers={"Authorization": "Bearer key-from-environment"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": "Bearer cyxwiz-local-dev-key"}).status_code == 401
    finally:
        assert running.stop() == 0


def test_help_names_the_commands():
    result = run_binary("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout
    result = run_binary("serve", "--help")
    assert "--config" in result.stdout and "--address" in result.stdout
