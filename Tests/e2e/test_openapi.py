"""Schemathesis against the live server, checked against Docs/openapi.yaml.

The route list of the file is compared with the router's in the Swift tests
(OpenAPIRoutesTests). Here schemathesis generates requests from the file — valid ones, and
invalid ones of every kind the schemas rule out — and checks every answer: no 5xx, status
codes, content types, headers and bodies as documented, invalid data refused, auth enforced.
Bounded: a fixed number of examples per operation and seed, and a time cap.
"""

import os
import pathlib
import subprocess

import httpx
import pytest
import yaml

from conftest import ROOT, SHIPPED_CONFIG, SHIPPED_KEY, RunningServer

SPEC = ROOT / "Docs" / "openapi.yaml"
SCHEMATHESIS = ROOT / ".venv" / "bin" / "st"
EXAMPLES_PER_OPERATION = 40
SEED = 20261202
TIME_CAP_SECONDS = 600

# The shipped models' vocabularies (SmolLM2: 49152 tokens; all-MiniLM-L6-v2: 30522) and the
# embedding width: limits of the model, which the file can only state per deployment.
LANGUAGE_VOCABULARY = 49152
EMBEDDING_VOCABULARY = 30522
EMBEDDING_WIDTH = 384


def deployment_spec(models: dict[str, str]) -> dict:
    """Docs/openapi.yaml with this deployment's model ids and vocabularies filled in, so that
    generated requests reach the models instead of stopping at 404 model_not_found."""
    spec = yaml.safe_load(SPEC.read_text())
    schemas = spec["components"]["schemas"]
    ids = lambda *kinds: sorted(name for name, kind in models.items() if kind in kinds)
    for schema, kinds in [
        ("ChatCompletionRequest", ["chat"]),
        ("CompletionRequest", ["completion"]),
        ("EmbeddingRequest", ["embedding"]),
        ("TokenizeRequest", ["chat", "completion"]),
        ("DetokenizeRequest", ["chat", "completion"]),
    ]:
        schemas[schema]["properties"]["model"] = {"type": "string", "enum": ids(*kinds)}
    schemas["TokenIDs"]["items"]["maximum"] = LANGUAGE_VOCABULARY - 1
    embedding = schemas["EmbeddingRequest"]["properties"]
    embedding["input"]["oneOf"][2]["items"]["maximum"] = EMBEDDING_VOCABULARY - 1
    embedding["input"]["oneOf"][3]["items"]["items"]["maximum"] = EMBEDDING_VOCABULARY - 1
    embedding["dimensions"]["maximum"] = EMBEDDING_WIDTH
    return spec


@pytest.fixture(scope="module")
def small_context(tmp_path_factory):
    """The shipped models with a 512-token context, so a generated max_tokens stays short."""
    folder = tmp_path_factory.mktemp("openapi")
    (folder / "models").symlink_to(ROOT / "models")
    config = folder / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text().replace("context_length = 8192", "context_length = 512"))
    server = RunningServer(config)
    yield server
    server.stop()


def test_schemathesis_finds_nothing_against_the_live_server(small_context, tmp_path):
    headers = {"Authorization": f"Bearer {SHIPPED_KEY}"}
    models = {m["id"]: None for m in httpx.get(f"{small_context.base_url}/v1/models", headers=headers).json()["data"]}
    shipped = {"smollm2-135m-instruct": "chat", "smollm2-135m": "completion", "all-minilm-l6-v2": "embedding"}
    assert set(models) == set(shipped)
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(deployment_spec(shipped), sort_keys=False))
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", PYTHONPATH=str(pathlib.Path(__file__).parent))
    command = [
        str(SCHEMATHESIS), "run", str(spec),
        "--url", small_context.base_url,
        "--header", f"Authorization: Bearer {SHIPPED_KEY}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED),
        # One worker: schemathesis's workers are threads, and CPython 3.11's ast.parse (which
        # hypothesis calls to describe a strategy's lambdas) keeps its recursion depth in state
        # shared by threads, so two generating at once can fail inside the tool with
        # "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905; seen
        # in CI on 3.11.7). One worker also makes the run follow the seed exactly.
        "--request-timeout", "120", "--max-response-time", "120", "--workers", "1",
        "--generation-database", "none", "--no-color",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIME_CAP_SECONDS)
    (tmp_path / "schemathesis.out").write_text(run.stdout)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert "9 selected / 9 total" in run.stdout, summary
    # The server is still there, and said nothing of a fault.
    assert httpx.get(f"{small_context.base_url}/health").status_code == 200
    assert small_context.process.poll() is None
    assert "internal_error" not in small_context.output()
