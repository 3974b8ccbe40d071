"""YAML as Ruby's Psych reads front matter (Jekyll's `safe_load`), where it differs from a strict reader.

- Tabs are separation whitespace after a `:` or `,` indicator and before a comment (libyaml
  accepts `title:<TAB>Forum`); a tab in indentation is still an error, as in Psych.
- A repeated key keeps its last value (`published: true` then `published: false` is unpublished).
- Scalars resolve as Psych's ScalarScanner resolves them: `yes/no/on/off/true/false` in any case
  are booleans, `y`/`n` are text, `~`/`null` are nil, `18:30` is the base-60 integer 66600, and a
  timestamp stays text (a `YamlTime`) because Jekyll hands every date to `Time.parse` as text. A
  `YamlTime` with a clock time but no zone is UTC, as Psych builds it; quoted text is local time.
- A plain `:word` is a Ruby symbol, which Jekyll's `safe_load` refuses: that front matter is
  unreadable, as it is for Jekyll.
- Text from outside is read within limits (`yaml_limits`: size, depth, values, aliases expanded),
  and an alias stays a reference to one value: nothing here copies what it names.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.resolver import BaseResolver

from notifier.services.sources.jekyll.yaml_limits import (
    FRONT_MATTER,
    BoundedComposer,
    Budget,
    YamlLimits,
    precheck,
)

_PSYCH_TIME = re.compile(
    r"^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$"
)
_PSYCH_DATE = re.compile(r"^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$")
_ZONE_AT_END = re.compile(r"(?:Z|[-+]\d{1,2}:?(?:\d\d)?)$")
_TAB_AFTER_INDICATOR = re.compile(r"(?<=[:,\[\]{}])[ \t]*\t[ \t]*")
_TAB = "\ue009"  # a private-use character standing in for a tab inside a value while ruamel reads it
_TAB_BEFORE_COMMENT = re.compile(r"[ \t]*\t[ \t]*(?=#)")


class YamlTime(str):
    """A plain scalar that Psych reads as a Date or Time; `clock_without_zone` means Psych made it UTC."""

    __slots__ = ()

    @property
    def clock_without_zone(self) -> bool:
        text = self.strip()
        return bool(_PSYCH_TIME.match(text)) and not _ZONE_AT_END.search(text)


class PsychResolver(BaseResolver):
    """Psych's scalar rules only. (`add_implicit_resolver` would also change ruamel's global list.)"""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def __init__(self, version: Any = None, loader: Any = None) -> None:
        super().__init__(loadumper=loader)

    @property
    def processing_version(self) -> tuple[int, int]:
        return (1, 1)


def _resolver(tag: str, pattern: str, first: str) -> None:
    for char in first:
        PsychResolver.yaml_implicit_resolvers.setdefault(char, []).append(
            (f"tag:yaml.org,2002:{tag}", re.compile(pattern))
        )


_resolver("bool", r"^(?i:yes|true|on|no|false|off)$", "yYtToOnNfF")
_resolver("null", r"^(?i:~|null)$", "~nN")
PsychResolver.yaml_implicit_resolvers.setdefault("", []).append(("tag:yaml.org,2002:null", re.compile(r"^$")))
_resolver("int", r"^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$", "-+0123456789")
_resolver("int", r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$", "-+0123456789")
_FLOAT = r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
_resolver("float", _FLOAT, "-+0123456789.")
_resolver("timestamp", _PSYCH_TIME.pattern + "|" + _PSYCH_DATE.pattern, "-0123456789")
_resolver("merge", r"^(?:<<)$", "<")
_resolver("ruby_symbol", r"^:.", ":")  # Psych makes `:path/` a Symbol, which Jekyll's safe_load refuses


class PsychConstructor(SafeConstructor):
    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key in mapping:
            del mapping[key]  # Psych: the last of a repeated key wins (and takes the last place)
        return True

    def construct_yaml_time(self, node: Any) -> YamlTime:
        return YamlTime(self.construct_scalar(node))

    def construct_yaml_int(self, node: Any) -> int:
        text = str(self.construct_scalar(node))
        if ":" not in text:
            return int(SafeConstructor.construct_yaml_int(self, node))
        sign = -1 if text.startswith("-") else 1
        parts = text.lstrip("+-").replace("_", "").split(":")
        total: int = sum(int(part) * 60 ** abs(i - 2) for i, part in enumerate(parts))  # as Psych counts
        return sign * total

    def construct_ruby_symbol(self, node: Any) -> Any:
        raise ConstructorError(
            None, None, f"{node.value!r} is a Ruby symbol, which Jekyll does not load", node.start_mark
        )

    def construct_yaml_str_bool(self, node: Any) -> bool:
        return str(self.construct_scalar(node)).lower() in {"yes", "true", "on"}


PsychConstructor.add_constructor("tag:yaml.org,2002:timestamp", PsychConstructor.construct_yaml_time)
PsychConstructor.add_constructor("tag:yaml.org,2002:int", PsychConstructor.construct_yaml_int)
PsychConstructor.add_constructor("tag:yaml.org,2002:ruby_symbol", PsychConstructor.construct_ruby_symbol)
PsychConstructor.add_constructor("tag:yaml.org,2002:bool", PsychConstructor.construct_yaml_str_bool)


def accept_tabs(text: str) -> str:
    """Tabs used as separation (after `key:`, `,`, before `# comment`, at a line's end) become
    spaces; a tab inside a value becomes `_TAB` (put back by `load`), since ruamel ends a plain
    scalar at a tab and libyaml does not. A tab in indentation is left alone, so the parser refuses
    it as Psych does."""
    lines = []
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        head, rest = line[:indent], line[indent:]
        if rest.startswith("\t"):
            lines.append(line)
            continue
        rest = _TAB_BEFORE_COMMENT.sub(" ", _TAB_AFTER_INDICATOR.sub(" ", rest)).rstrip(" \t")
        lines.append(head + rest.replace("\t", _TAB))
    return "\n".join(lines)


def _put_tabs_back(value: Any, done: dict[int, Any]) -> Any:
    """`_TAB` back to a tab in every text; a value reached twice (through an alias) is rebuilt once
    and shared again, so the result is no bigger than what was read."""
    if type(value) is str:
        return value.replace(_TAB, "\t")
    if not isinstance(value, (dict, list)):
        return value
    if id(value) in done:
        return done[id(value)]
    if isinstance(value, dict):
        rebuilt: Any = {}
        done[id(value)] = rebuilt
        for k, v in value.items():
            rebuilt[_put_tabs_back(k, done)] = _put_tabs_back(v, done)
        return rebuilt
    rebuilt = []
    done[id(value)] = rebuilt
    rebuilt.extend(_put_tabs_back(v, done) for v in value)
    return rebuilt


def load(text: str, limits: YamlLimits = FRONT_MATTER) -> Any:
    """The YAML text as Psych loads it; raises ruamel's YAMLError (or ValueError) when Psych would
    fail, and `YamlLimitExceeded` (a ValueError naming the limit) when it is over `limits`."""
    precheck(text, limits)
    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = PsychResolver
    yaml.Constructor = PsychConstructor
    yaml.Composer = BoundedComposer
    yaml.yaml_budget = Budget(limits)  # type: ignore[attr-defined]  # read by BoundedComposer
    yaml.allow_duplicate_keys = True
    readable = accept_tabs(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = yaml.load(readable)
    return _put_tabs_back(loaded, {}) if _TAB in readable else loaded
