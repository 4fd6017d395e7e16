"""One readable line per problem in a scenario, however pydantic reported it.

pydantic locates each problem by a path through the data (``loc``) and describes it for
programmers. A scenario author needs something else: the dotted path of the key as written in
the YAML (``charges.felony.pretrial.post_delay.median``), what was wrong in plain words, and
what would have been accepted. This module walks the scenario's model classes along each
location, which lets it drop the tags pydantic adds for unions (``lognormal``,
``tuple[str, ...]``), find the keys allowed at a place (for "did you mean" suggestions) and the
values a field accepts, and write each problem as ``FILE: path: message`` on one line.
"""

from __future__ import annotations

import difflib
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from jailsim.base.errors import one_line
from jailsim.scenario.distributions import DISTRIBUTIONS

__all__ = ["format_validation_error", "short"]

#: Longest repr of an input value shown in a message.
MAX_REPR = 60
#: Most lines reported for one file; past it, the last line counts the rest.
MAX_LINES = 100
#: Path shown for a problem with the scenario as a whole (pydantic's empty ``loc``).
TOP_LEVEL = "(top level)"
# pydantic's names for union members and dict keys in a loc: 'function-before[...]',
# 'tuple[str, ...]', "literal['continuous']", 'tagged-union[...]', '[key]'.
_TAG_RE = re.compile(r"^(?:[a-z][a-z-]*\[.*\]|\[key\])$", re.DOTALL)


def short(value: Any, limit: int = MAX_REPR) -> str:
    """``repr(value)`` cut to ``limit`` characters, on one line."""
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - a repr that fails is not worth a crash
        text = f"<{type(value).__name__}>"
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Walking the model classes along a location


@dataclass
class _Located:
    path: list[Any]  # the location as the author wrote it (union tags dropped)
    annotation: Any  # the type expected at the location (None when unknown)
    owner: type[BaseModel] | None  # the model whose key the last location item is
    union_at: int | None  # len(path) where a non-discriminated union branch was chosen
    key_error: bool  # the problem is with a mapping key, not its value


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` (``X | None``) down to the type that matters."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif _is_union(tp):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _members(tp: Any) -> list[Any]:
    return [_unwrap(a) for a in get_args(tp) if a is not type(None)]


def _literal_tags(model: type[BaseModel]) -> set[Any]:
    tags: set[Any] = set()
    for field in model.model_fields.values():
        if get_origin(_unwrap(field.annotation)) is Literal:
            tags.update(get_args(_unwrap(field.annotation)))
    return tags


def is_tagged_model_union(tp: Any) -> bool:
    """Whether ``tp`` is a union of models told apart by a literal field (e.g. ``dist``)."""
    tp = _unwrap(tp)
    return _is_union(tp) and all(_is_model(m) for m in _members(tp))


def _union_member(tp: Any, tag: str) -> tuple[bool, Any, bool]:
    """Find the member of union ``tp`` that pydantic's ``tag`` names.

    Returns (is_a_tag, member or None, discriminated).
    """
    members = _members(tp)
    if all(_is_model(m) for m in members):
        for m in members:
            if tag in _literal_tags(m):
                return True, m, True
    for m in members:
        if _is_model(m) and tag == m.__name__:
            return True, m, False
    if _TAG_RE.match(tag):
        kind = tag.split("[", 1)[0]
        for m in members:
            origin = get_origin(m)
            if (kind == "literal" and origin is Literal) or (
                origin is not None and getattr(origin, "__name__", "") == kind
            ):
                return True, m, False
        return True, None, False
    return False, None, False


def field_of(model: type[BaseModel], key: Any):
    """Find the field of ``model`` written as ``key`` in the data (alias or name)."""
    for name, field in model.model_fields.items():
        if key == name or key == field.alias:
            return field
    return None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """Keys a model accepts, as an author writes them (aliases first)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def locate(root: type[BaseModel], loc: tuple[Any, ...]) -> _Located:
    """Follow ``loc`` through the annotations of ``root`` and its nested models."""
    tp: Any = root
    out = _Located([], None, None, None, False)
    for item in loc:
        if item == "[key]":  # pydantic's mark for "the key before me is wrong"
            out.key_error = True
            continue
        tp = _unwrap(tp) if tp is not None else None
        if tp is not None and _is_union(tp) and isinstance(item, str):
            is_tag, member, discriminated = _union_member(tp, item)
            if is_tag:
                if not discriminated:
                    out.union_at = len(out.path)
                tp = member
                continue
        out.owner = tp if _is_model(tp) else None
        origin = get_origin(tp)
        if out.owner is not None:
            field = field_of(tp, item)
            tp = field.annotation if field is not None else None
        elif origin is dict:
            tp = get_args(tp)[1] if get_args(tp) else None
        elif origin in (tuple, list):
            args = get_args(tp)
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                tp = args[item] if isinstance(item, int) and 0 <= item < len(args) else None
            else:
                tp = args[0] if args else None
        else:
            tp = None
            if isinstance(item, str) and _TAG_RE.match(item):
                continue
        out.path.append(item)
    out.annotation = tp
    return out


# ---------------------------------------------------------------------------------------------
# Messages

_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of a usable size",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "tuple_type": "a list",
    "list_type": "a list",
    "iterable_type": "a list",
    "date_type": "a date like 2025-01-06",
    "date_parsing": "a date like 2025-01-06",
    "date_from_datetime_parsing": "a date like 2025-01-06",
    "date_from_datetime_inexact": "a date like 2025-01-06 (no time of day)",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be greater than"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be less than"),
}
_PREFIXES = ("Value error, ", "Assertion failed, ")


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return str(x)


def _names(values) -> str:
    return ", ".join(str(v) for v in values)


def _dist_names() -> str:
    return _names(DISTRIBUTIONS)


def _tag_names(tp: Any, key: str = "dist") -> str:
    """The tags of a tagged union's members, in order: the distributions, or the priors."""
    members = _members(_unwrap(tp)) if is_tagged_model_union(tp) else []
    tags = [t for m in members if key in m.model_fields
            for t in get_args(_unwrap(m.model_fields[key].annotation))]
    return _names(tags) if tags else _dist_names()


def _literal_values(annotation: Any, ctx: dict) -> str:
    tp = _unwrap(annotation)
    if get_origin(tp) is Literal:
        return _names(get_args(tp))
    return re.sub(r"'| or ", lambda m: "" if m.group() == "'" else ", ", str(ctx.get("expected")))


def _expected(err: dict, at: _Located) -> str:
    """Say in a few words what would have been accepted at the error's place."""
    kind = err["type"]
    if kind == "literal_error":
        values = _literal_values(at.annotation, err.get("ctx") or {})
        return f"one of {values}" if ", " in values else repr(values)
    if kind in ("model_type", "model_attributes_type") and is_tagged_model_union(at.annotation):
        return f"a duration like '2h' or a mapping with 'dist' ({_dist_names()})"
    if kind == "model_type" and _is_model(_unwrap(at.annotation)):
        keys = allowed_keys(_unwrap(at.annotation))
        return f"a mapping with keys {_names(keys)}"
    return _EXPECTED.get(kind, "")


def _suggestion(at: _Located) -> str | None:
    """Find the allowed key closest to an unknown key, if one is close enough."""
    if at.owner is None or not at.path:
        return None
    lower = {a.lower(): a for a in allowed_keys(at.owner)}
    close = difflib.get_close_matches(str(at.path[-1]).lower(), list(lower), n=1, cutoff=0.6)
    return lower[close[0]] if close else None


def _message(err: dict, at: _Located) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if at.key_error and kind not in ("value_error", "assertion_error"):  # a name's own check
        return f"key {short(value)} must be text (put it in quotes)"
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        msg = f"unknown key {short(str(at.path[-1]))}"
        guess = _suggestion(at)
        if guess:
            return f"{msg}; did you mean {guess!r}?"
        return f"{msg} (allowed: {_names(allowed_keys(at.owner))})" if at.owner else msg
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        tag = value.get(key) if isinstance(value, dict) else None
        names = (
            _tag_names(at.annotation, key)
            if is_tagged_model_union(at.annotation)
            else str(ctx.get("expected_tags", "")).replace("'", "")
        )
        return f"unknown distribution {short(tag)} (allowed: {names})"
    if kind == "union_tag_not_found":
        return f"missing 'dist' key (allowed: {_tag_names(at.annotation)})"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"got {short(value)}; {words} {_num(ctx.get(key))}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        words = "at least" if kind == "too_short" else "at most"
        return f"has {ctx.get('actual_length', '?')} items; needs {words} {n}"
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else (f"needs at least {ctx.get('min_length')} characters")
        )
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "literal_error":
        allowed = _literal_values(at.annotation, ctx)
        return f"got {short(value)}; not an allowed value (allowed: {allowed})"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        for prefix in _PREFIXES:
            msg = msg.removeprefix(prefix)
        long_repr = repr(value) if not isinstance(value, dict | list) else ""
        if long_repr and len(long_repr) > MAX_REPR:
            msg = msg.replace(long_repr, short(value))
        return msg
    expected = _expected(err, at)
    if expected:
        return f"got {short(value)}; expected {expected}"
    return f"got {short(value)}; {err.get('msg', kind)}"


def _path_text(path: list[Any]) -> str:
    # Keys with control characters or odd spacing are quoted, so the path stays readable.
    parts = [
        p
        if isinstance(p, str) and p.isprintable() and p.strip() == p and p
        else (str(p) if isinstance(p, int) else short(p))
        for p in path
    ]
    return ".".join(parts) or TOP_LEVEL


def format_validation_error(exc: ValidationError, source: str, root: type[BaseModel]) -> list[str]:
    """Turn one pydantic ``ValidationError`` into ``source: path: message`` lines.

    Parameters
    ----------
    exc
        The error raised while validating data against ``root``.
    source
        What the data came from (a file name), the start of every line.
    root
        The model class the data was validated against.

    Returns
    -------
    list of str
        One line per problem, in the order of the fields, without duplicates (at most
        :data:`MAX_LINES`; the last one then says how many more there were).
    """
    items = [(err, locate(root, tuple(err.get("loc", ())))) for err in exc.errors()]
    # A misspelt key also makes the key it was meant to be "missing": say it once.
    meant = {
        (*at.path[:-1], _suggestion(at))
        for err, at in items
        if err["type"] == "extra_forbidden" and _suggestion(at)
    }
    items = [(e, a) for e, a in items if not (e["type"] == "missing" and tuple(a.path) in meant)]
    # A list whose items failed also reports "too short" (pydantic counts valid items only).
    items = [
        (err, at)
        for err, at in items
        if err["type"] not in ("too_short", "too_long")
        or not any(
            len(b.path) > len(at.path) and b.path[: len(at.path)] == at.path for _, b in items
        )
    ]
    # A value that fits no member of a plain union fails once per member: keep the members
    # that got further into the value, or else say once which forms were allowed.
    groups: dict[tuple, list] = {}
    for err, at in items:
        if at.union_at is not None:
            groups.setdefault(tuple(at.path[: at.union_at]), []).append((err, at))
    lines: list[str] = []
    done: set[tuple] = set()
    for err, at in items:
        if at.union_at is None:
            message = _message(err, at)
            if not at.path and err["type"] == "value_error":
                # Checks of the scenario as a whole join their findings with "; ".
                lines += [_line(source, at.path, part) for part in message.split("; ")]
            else:
                lines.append(_line(source, at.path, message))
            continue
        key = tuple(at.path[: at.union_at])
        group = groups[key]
        if any(len(a.path) > a.union_at for _, a in group):
            if len(at.path) > at.union_at:
                lines.append(_line(source, at.path, _message(err, at)))
        elif key not in done:
            done.add(key)
            forms = dict.fromkeys(_expected(e, a) or str(e.get("msg")) for e, a in group)
            message = f"got {short(err.get('input'))}; expected {' or '.join(forms)}"
            lines.append(_line(source, list(key), message))
    lines = list(dict.fromkeys(lines))
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES + 1
        lines = [*lines[: MAX_LINES - 1], f"{source}: ... and {more} more problems"]
    return lines


def _line(source: str, path: list[Any], message: str) -> str:
    return one_line(f"{source}: {_path_text(path)}: {message}")
