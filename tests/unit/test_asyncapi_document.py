"""`schemas/asyncapi.yaml` is a valid AsyncAPI document, as a parser that is not ours reads it.

The AsyncAPI Initiative's own parser (npm `@asyncapi/parser`, pinned with its lock file in
tests/fixtures/asyncapi-parser/) runs under node when node and npm are here: installed once
with `npm ci` into pytest's cache directory. Where they are not (or the install fails), the
same questions are put to the AsyncAPI 3.0.0 meta-schema vendored in tests/fixtures/asyncapi/
plus a check that every `$ref` resolves; that check also runs on its own, always.
"""

from __future__ import annotations

import copy
import fcntl
import filecmp
import itertools
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from marketplace.events.public.registry import TOPICS
from marketplace.events.schemagen import ASYNCAPI_FILE, SCHEMAS_DIR
from marketplace.intake.commands import NAMES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PARSER_PROJECT = FIXTURES / "asyncapi-parser"
META_SCHEMA = FIXTURES / "asyncapi" / "asyncapi-3.0.0.schema.json"
COMMAND_TOPICS = {
    "marketplace.commands",
    "marketplace.command-replies",
    "marketplace.commands.dlq",
}
NPM_TIMEOUT = 300


@dataclass(frozen=True)
class Parsed:
    """What a parser made of a document."""

    parser: str  # "@asyncapi/parser" or "meta-schema"
    errors: list[str]
    channels: dict[str, list[str]]  # address → its messages' names


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def committed_document() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(SCHEMAS_DIR / ASYNCAPI_FILE)
    return document


# ----- the independent parser: npm @asyncapi/parser under node ------------------------------


def install_parser(cache_dir: Path) -> Path | None:
    """The directory holding `node_modules/@asyncapi/parser` as locked; None without node or
    npm, or when `npm ci` fails (offline, say). Once per lock: later runs reuse it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two pytest workers install once
        installed = cache_dir / "package-lock.json"
        ready = cache_dir / "node_modules" / "@asyncapi" / "parser" / "package.json"
        locked = PARSER_PROJECT / "package-lock.json"
        if ready.is_file() and installed.is_file() and filecmp.cmp(installed, locked, False):
            return cache_dir
        for name in ("package.json", "package-lock.json", "parse.mjs"):
            shutil.copyfile(PARSER_PROJECT / name, cache_dir / name)
        for _ in range(2):  # one more try: a registry's hiccup is no verdict on the document
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
                cwd=cache_dir,
                capture_output=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            if done.returncode == 0 and ready.is_file():
                return cache_dir
        installed.unlink(missing_ok=True)
        return None


def parse_with_node(project: Path, document: Path) -> Parsed:
    shutil.copyfile(PARSER_PROJECT / "parse.mjs", project / "parse.mjs")
    done = subprocess.run(
        ["node", str(project / "parse.mjs"), str(document)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    errors = [
        f"{d['code']} at {'/'.join(map(str, d['path']))}: {d['message']}"
        for d in said["diagnostics"]
        if d["severity"] == 0
    ]
    if not said["valid"] and not errors:
        errors = ["the parser made no document of it"]
    return Parsed("@asyncapi/parser", errors, said["channels"])


# ----- the fallback: the AsyncAPI 3.0.0 meta-schema and resolvable references ---------------


@cache
def meta_schema_validator() -> Draft7Validator:
    schema = json.loads(META_SCHEMA.read_text("utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The node a local `$ref` points at; KeyError when there is none."""
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def parse_with_meta_schema(document_path: Path) -> Parsed:
    document = load_yaml(document_path)
    found = itertools.islice(meta_schema_validator().iter_errors(document), 10)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in found]
    for ref in sorted(set(references(document))):
        try:
            resolve(document, ref)
        except (KeyError, IndexError, ValueError, TypeError):
            errors.append(f"$ref {ref} points at nothing")
    channels: dict[str, list[str]] = {}
    if not errors:
        for channel in document.get("channels", {}).values():
            messages = [
                resolve(document, m["$ref"]) if "$ref" in m else m
                for m in channel.get("messages", {}).values()
            ]
            channels[channel["address"]] = [m.get("name") or m.get("title") for m in messages]
    return Parsed("meta-schema", errors, channels)


# ----- the tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Parse a document file with @asyncapi/parser when it can run here, else the fallback."""
    cache = getattr(request.config, "cache", None)  # None under `-p no:cacheprovider`
    where = cache.mkdir("asyncapi-parser") if cache is not None else None
    project = install_parser(where or tmp_path_factory.mktemp("asyncapi-parser"))

    def parsed(path: Path) -> Parsed:
        return parse_with_node(project, path) if project else parse_with_meta_schema(path)

    return parsed


def expected_channels() -> set[str]:
    return set(TOPICS) | COMMAND_TOPICS


def test_an_independent_parser_accepts_the_document(parse: Any) -> None:
    parsed: Parsed = parse(SCHEMAS_DIR / ASYNCAPI_FILE)
    assert parsed.errors == [], parsed.parser
    assert set(parsed.channels) == expected_channels(), parsed.parser
    command_types = {f"marketplace.command.{name}.v1" for name in NAMES.values()}
    assert sorted(parsed.channels["marketplace.commands"]) == sorted(command_types)
    assert len(parsed.channels["marketplace.command-replies"]) == 1
    assert len(parsed.channels["marketplace.commands.dlq"]) == 1


BREAKAGES = {
    "a message's payload points at no schema": lambda d: d["components"]["messages"][
        "marketplace.command.post_need.v1"
    ].__setitem__("payload", {"$ref": "#/components/schemas/NoSuchSchema"}),
    "an AsyncAPI 2 operation": lambda d: d["operations"]["marketplace.commands"].__setitem__(
        "action", "publish"
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_the_parser_refuses_a_broken_copy(parse: Any, tmp_path: Path, breakage: Any) -> None:
    """The parser run above can say no: the same document, broken, is refused."""
    document = copy.deepcopy(committed_document())
    breakage(document)
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    parsed: Parsed = parse(broken)
    assert parsed.errors, parsed.parser


def test_the_document_fits_the_asyncapi_3_meta_schema_and_its_references_resolve() -> None:
    parsed = parse_with_meta_schema(SCHEMAS_DIR / ASYNCAPI_FILE)
    assert parsed.errors == []
    assert set(parsed.channels) == expected_channels()
    assert (
        committed_document()["asyncapi"]
        == json.loads(META_SCHEMA.read_text("utf-8"))["properties"]["asyncapi"]["const"]
    )


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_the_meta_schema_check_refuses_a_broken_copy(tmp_path: Path, breakage: Any) -> None:
    document = copy.deepcopy(committed_document())
    breakage(document)
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    assert parse_with_meta_schema(broken).errors
