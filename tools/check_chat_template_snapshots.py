#!/usr/bin/env python3
"""Checks the chat-template snapshots against the real Jinja template (a developer check, not part of the test run).

Renders every conversation of tests/Kernels/Text/chat-conversations.json with the chat_template of
assets/qwen3-tokenizer/tokenizer_config.json, the way transformers' apply_chat_template does (jinja2 sandbox,
trim_blocks, lstrip_blocks; enable_thinking passed only when not null), and compares each rendering with the
snapshot that Qwen3ChatTemplateTests wrote. Needs Python 3 with jinja2. Run from the repository root:
    python3 tools/check_chat_template_snapshots.py
"""
import json
import pathlib
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests/Kernels/Text/__snapshots__"
PREFIX = "Qwen3ChatTemplateTests.Rendered_conversations_match_their_snapshots_"


def main():
    config = json.loads((ROOT / "assets/qwen3-tokenizer/tokenizer_config.json").read_text(encoding="utf-8"))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False, **kw)
    template = env.from_string(config["chat_template"])
    conversations = json.loads((ROOT / "tests/Kernels/Text/chat-conversations.json").read_text(encoding="utf-8"))
    failures = 0
    for c in conversations:
        kwargs = {"messages": c["messages"], "add_generation_prompt": c["add_generation_prompt"]}
        if c["enable_thinking"] is not None:
            kwargs["enable_thinking"] = c["enable_thinking"]
        expected = template.render(**kwargs)
        path = SNAPSHOTS / f"{PREFIX}{c['name']}.snap"
        if not path.exists():
            print(f"MISSING {path.name}")
            failures += 1
            continue
        actual = path.read_text(encoding="utf-8-sig")
        ok = actual == expected
        failures += not ok
        print(f"{'ok     ' if ok else 'DIFFERS'} {c['name']}")
        if not ok:
            print("  jinja:   ", repr(expected))
            print("  snapshot:", repr(actual))
    print(f"{len(conversations) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
