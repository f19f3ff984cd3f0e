#!/usr/bin/env python3
"""Renders chat templates with Python's jinja2 set up as Hugging Face transformers sets it up
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson,
raise_exception and strftime_now), for every template of shared/chat-templates over the
committed conversations, with add_generation_prompt on and off.

  .venv/bin/python Scripts/reference_templates.py --templates ../shared/chat-templates \
      --conversations Tests/NodeInferenceTests/Fixtures/templates/conversations.json --out .cache/reference/templates.json
"""

import argparse
import json
import pathlib
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    """transformers' {% generation %} tag, rendering its body unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def environment(now: datetime):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda format: now.strftime(format)
    return env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", required=True)
    parser.add_argument("--conversations", required=True)
    parser.add_argument("--extra", help="a folder of further .jinja files (bos <s>, eos </s>)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    folder = pathlib.Path(args.templates)
    spec = json.loads(pathlib.Path(args.conversations).read_text())
    now = datetime.fromisoformat(spec["now"].replace("Z", "+00:00"))
    env = environment(now)
    cases = []
    entries = [dict(e, path=str(folder / e["file"])) for e in json.loads((folder / "index.json").read_text())]
    if args.extra:
        for path in sorted(pathlib.Path(args.extra).glob("*.jinja")):
            entries.append({"name": path.stem, "file": path.name, "path": str(path), "bos_token": "<s>", "eos_token": "</s>"})
    for entry in entries:
        template = env.from_string(pathlib.Path(entry["path"]).read_text())
        for conversation in spec["conversations"]:
            for add_generation_prompt in (True, False):
                variables = {"messages": conversation["messages"], "tools": conversation.get("tools"),
                             "add_generation_prompt": add_generation_prompt}
                for key in ("bos_token", "eos_token"):
                    if entry.get(key) is not None:
                        variables[key] = entry[key]
                case = {"template": entry["name"], "file": entry["file"], "path": entry["path"], "conversation": conversation["name"],
                        "add_generation_prompt": add_generation_prompt, "bos_token": entry.get("bos_token"),
                        "eos_token": entry.get("eos_token")}
                try:
                    case["output"] = template.render(**variables)
                except jinja2.exceptions.TemplateError as error:
                    case["error"] = str(error)
                    case["raised"] = type(error) is jinja2.exceptions.TemplateError
                except Exception as error:  # noqa: BLE001 - any failure of the reference is an expected failure
                    case["error"] = f"{type(error).__name__}: {error}"
                    case["raised"] = False
                cases.append(case)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"now": spec["now"], "cases": cases}, ensure_ascii=False, indent=0))
    errors = sum("error" in c for c in cases)
    print(f"{len(cases)} renders ({errors} raise) -> {out}")


if __name__ == "__main__":
    main()
