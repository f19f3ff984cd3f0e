"""Schemathesis hooks for test_openapi.py (loaded through SCHEMATHESIS_HOOKS).

Schemathesis's own `positive_data_acceptance` wants a 2xx for every schema-valid request. A few
of our limits cannot be written in an OpenAPI schema — they depend on the model or the
configuration (Docs/openapi.yaml lists them) — so a schema-valid request may still get a 400
for one of them. This check replaces it: a schema-valid request must be served, or refused with
a 400 whose `code` and `param` name one of those limits. Any other refusal fails the run.
"""

import schemathesis

# (code, param) of the 400s a schema-valid request may get, per operation. `None` as param:
# any. Each is a limit of the model or the configuration, not of the request's shape.
LIMITS = {
    "common": {
        ("context_length_exceeded", None),  # the prompt's tokens fill the model's context
        ("invalid_value", "logit_bias"),  # keys are token ids of this model's vocabulary
        ("invalid_value", "stop"),  # max_stop_sequences, and at most 1024 bytes each
        ("invalid_value", "top_logprobs"),  # needs logprobs: true
        ("invalid_value", "stream_options"),  # only with stream: true
    },
    "POST /v1/chat/completions": {
        ("invalid_messages", "messages"),  # the model's chat template raised
    },
    "POST /v1/completions": {
        ("invalid_value", "prompt"),  # an empty prompt, for a model without a BOS token
        ("invalid_value", "max_tokens"),  # 0 only with echo
        ("unsupported_parameter", "best_of"),  # only equal to n
        ("unsupported_parameter", "suffix"),  # only for models with fill-in-the-middle tokens
    },
    "POST /tokenize": {
        ("invalid_value", "prompt"),  # prompt or messages, one of them
        ("invalid_value", "messages"),  # messages need a chat model
        ("invalid_messages", "messages"),
    },
}


@schemathesis.check
def served_or_refused_for_a_documented_limit(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    label = f"{case.method.upper()} {case.operation.path}"
    try:
        error = response.json()["error"]
        code, param = error["code"], error["param"]
    except Exception as failure:  # the envelope itself is checked by response_schema_conformance
        raise AssertionError(f"a 400 without OpenAI's error envelope: {failure}") from None
    allowed = LIMITS["common"] | LIMITS.get(label, set())
    if (code, param) in allowed or (code, None) in allowed:
        return None
    raise AssertionError(
        f"a schema-valid request was refused for something the schema does not document: "
        f"code={code!r} param={param!r}: {error.get('message')}"
    )
