"""Limits on YAML from outside (front matter, `_config.yml`), checked while it is read, before any
value is built, so a hostile document is refused in milliseconds and never expanded.

A YAML alias is a reference: ten levels of ten `*a` each are 10^10 values to whatever walks the
result (a copy, a JSON dump, a merge), from a kilobyte of text. So the budget counts every alias as
the whole of what it names ("values once aliases are expanded"), as well as the text's size, its
nesting depth and the number of values written, and refuses an alias to a collection that is still
open (a recursive alias, which would be infinite). Each refusal names its limit.

The budget is kept twice over the same rules: first on libyaml's events (the C parser Ruby's Psych
itself uses, about a hundred times faster than the pure-Python reader), which refuses a bomb before
the slow reader starts; then on the reader's own composition (`BoundedComposer`). Text libyaml
refuses is refused there and then (`NotYaml`), as Psych refuses it, so the slow reader never scans
what Jekyll could not read either (twenty thousand `[` cost it seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent


class NotYaml(MarkedYAMLError):
    """libyaml (Psych's parser) cannot read the text: a ruamel error, so every reader's handler of
    invalid YAML handles it, with libyaml's problem and mark (`.line`, `.column`)."""


class YamlLimitExceeded(ValueError):
    """The YAML is over one of its limits; `limit` names which (size, depth, values, expanded_values,
    expanded_characters, recursive_alias) and the message says what the limit is."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class YamlLimits:
    max_characters: int
    max_depth: int
    max_values: int  # scalars, collections and aliases as written
    max_expanded_values: int  # the same, each alias counted as all it names
    max_expanded_characters: int  # scalar text, each alias counted as all it names


# A page's front matter holds a few dozen values; a site's `_config.yml` a few hundred.
#                          characters, depth, values, values expanded, characters expanded
FRONT_MATTER = YamlLimits(64_000, 32, 2_000, 5_000, 256_000)
SITE_CONFIG = YamlLimits(128_000, 32, 5_000, 20_000, 500_000)


@dataclass
class _Open:
    anchor: str | None
    values_before: int
    characters_before: int


@dataclass
class Budget:
    """What a document has spent so far, fed one event at a time by either reader."""

    limits: YamlLimits
    values: int = 0
    expanded_values: int = 0
    expanded_characters: int = 0
    anchors: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (values, characters)
    open: list[_Open] = field(default_factory=list)

    def new_document(self) -> None:
        self.anchors.clear()

    def scalar(self, anchor: str | None, value: str) -> None:
        self._spend(1, len(value))
        if anchor is not None:
            self.anchors[anchor] = (1, len(value))

    def start_collection(self, anchor: str | None) -> None:
        if len(self.open) >= self.limits.max_depth:
            raise YamlLimitExceeded(
                "depth", f"is nested more than {self.limits.max_depth} levels deep (the limit)"
            )
        self.open.append(_Open(anchor, self.expanded_values, self.expanded_characters))
        self._spend(1, 0)

    def end_collection(self) -> None:
        done = self.open.pop()
        if done.anchor is not None:
            self.anchors[done.anchor] = (
                self.expanded_values - done.values_before,
                self.expanded_characters - done.characters_before,
            )

    def alias(self, anchor: str) -> None:
        if any(o.anchor == anchor for o in self.open):
            raise YamlLimitExceeded(
                "recursive_alias", f"has an alias *{anchor} inside what it names (a recursive alias, refused)"
            )
        values, characters = self.anchors.get(anchor, (1, 0))  # an unknown one is the reader's error
        self._spend(values, characters, written=1)

    def _spend(self, values: int, characters: int, *, written: int | None = None) -> None:
        self.values += values if written is None else written
        self.expanded_values += values
        self.expanded_characters += characters
        limits = self.limits
        if self.values > limits.max_values:
            raise YamlLimitExceeded("values", f"has more than {limits.max_values} values (the limit)")
        if self.expanded_values > limits.max_expanded_values:
            raise YamlLimitExceeded(
                "expanded_values",
                f"has more than {limits.max_expanded_values} values once its aliases are expanded "
                "(the limit)",
            )
        if self.expanded_characters > limits.max_expanded_characters:
            raise YamlLimitExceeded(
                "expanded_characters",
                f"has more than {limits.max_expanded_characters} characters of text once its aliases "
                "are expanded (the limit)",
            )


def check_size(text: str, limits: YamlLimits) -> None:
    if len(text) > limits.max_characters:
        raise YamlLimitExceeded("size", f"is over {limits.max_characters} characters (the limit)")


def read_within(path: Path, limits: YamlLimits) -> str:
    """A YAML file's text (UTF-8), reading no more of it than its size limit could need."""
    most = limits.max_characters * 4  # UTF-8 spends at most four bytes on a character
    with path.open("rb") as handle:
        raw = handle.read(most + 1)
    if len(raw) > most:
        raise YamlLimitExceeded("size", f"is over {limits.max_characters} characters (the limit)")
    text = raw.decode("utf-8-sig")
    check_size(text, limits)
    return text


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def precheck(text: str, limits: YamlLimits) -> None:
    """Spend the budget on libyaml's events: YamlLimitExceeded over a limit, NotYaml where libyaml
    (so Psych, so Jekyll) cannot read the text."""
    check_size(text, limits)
    budget = Budget(limits)
    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            _feed(budget, event)
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit, far above ours
            raise YamlLimitExceeded(
                "depth", f"is nested more than {limits.max_depth} levels deep (the limit)"
            ) from exc
        raise NotYaml(exc.context, exc.context_mark, exc.problem, exc.problem_mark) from exc
    except yaml.YAMLError as exc:  # the reader's: a character YAML does not allow
        raise NotYaml(problem=str(exc)) from exc


def _feed(budget: Budget, event: yaml.Event) -> None:
    if isinstance(event, yaml.ScalarEvent):
        budget.scalar(event.anchor, event.value)
    elif isinstance(event, yaml.CollectionStartEvent):
        budget.start_collection(event.anchor)
    elif isinstance(event, yaml.CollectionEndEvent):
        budget.end_collection()
    elif isinstance(event, yaml.AliasEvent):
        budget.alias(str(event.anchor))
    elif isinstance(event, yaml.DocumentStartEvent):
        budget.new_document()


class BoundedComposer(Composer):
    """ruamel's composer spending a `Budget` (the loader's `yaml_budget`) on every node it reads."""

    def compose_document(self) -> Any:
        self.loader.yaml_budget.new_document()
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        budget: Budget = self.loader.yaml_budget
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            budget.alias(str(event.anchor))
        elif isinstance(event, ScalarEvent):
            budget.scalar(event.anchor, str(event.value))
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            budget.start_collection(event.anchor)
            node = super().compose_node(parent, index)
            budget.end_collection()
            return node
        return super().compose_node(parent, index)
