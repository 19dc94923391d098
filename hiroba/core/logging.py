"""A logging filter that masks Individual Numbers (個人番号) before a record is written anywhere.

Attached to the console handler in `config/settings/base.py`'s LOGGING. It rewrites the record in place: the
formatted message, every `extra=` value (strings, numbers and containers of them), the stack text and the
exception text. Every standalone 12-digit candidate is masked, valid check digit or not: a false positive in a
log costs nothing (see `hiroba.core.mynumber`).
"""

from __future__ import annotations

import logging

from hiroba.core.mynumber import MASK, find_individual_numbers, mask_individual_numbers

# Attributes every LogRecord has; what else a record carries came from `extra=` (or a handler's formatting).
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_HANDLED_ELSEWHERE = frozenset({"msg", "args", "exc_info", "exc_text"})
_MAX_DEPTH = 6
_WITHHELD = "[log message withheld: masking it failed]"
_EXCEPTION_FORMATTER = logging.Formatter()


def _safe_text(value: object, *, use_repr: bool) -> str | None:
    try:
        return repr(value) if use_repr else str(value)
    except Exception:  # noqa: BLE001 (an object whose __str__/__repr__ raises cannot leak through it either)
        return None


def _has_candidate(text: str | None) -> bool:
    return text is not None and bool(find_individual_numbers(text, require_check_digit=False))


def _mask_container(
    value: list[object] | tuple[object, ...] | set[object] | frozenset[object] | dict[object, object], depth: int
) -> object:
    """A masked copy of a list, tuple, set or dict holding a candidate, else `value` itself."""
    if isinstance(value, dict):
        pairs = [(_mask_value(k, depth=depth + 1), _mask_value(v, depth=depth + 1)) for k, v in value.items()]
        changed = any(
            new_k is not k or new_v is not v for (new_k, new_v), (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    items = [_mask_value(item, depth=depth + 1) for item in value]
    changed = any(new is not old for new, old in zip(items, value, strict=True))
    if not changed:
        return value
    return items if isinstance(value, list) else tuple(items)


def _mask_value(value: object, *, depth: int = 0) -> object:
    """`value` itself when it carries no candidate, else a masked copy (strings masked, others their masked repr)."""
    if isinstance(value, str):
        return mask_individual_numbers(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return MASK if _has_candidate(_safe_text(value, use_repr=True)) else value
    if depth < _MAX_DEPTH and isinstance(value, list | tuple | set | frozenset | dict):
        return _mask_container(value, depth)
    # Anything else is written through its str() or repr(): mask whichever shows a candidate.
    as_str, as_repr = _safe_text(value, use_repr=False), _safe_text(value, use_repr=True)
    if _has_candidate(as_str) or _has_candidate(as_repr):
        return mask_individual_numbers(as_repr or as_str or "")
    return value


def _mask_message(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 (a bad %-format must not lose the line; JsonFormatter falls back alike)
        message = f"{_safe_text(record.msg, use_repr=True)} % {_safe_text(record.args, use_repr=True)}"
    record.msg = mask_individual_numbers(message)
    record.args = None


def _mask_exception(record: logging.LogRecord) -> None:
    text = record.exc_text
    if not text and record.exc_info and record.exc_info[0] is not None:
        text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
    if not text:
        return
    masked = mask_individual_numbers(text)
    record.exc_text = masked  # formatters (the JSON one too) print exc_text when it is set


def _mask_attributes(record: logging.LogRecord) -> None:
    for key, value in list(vars(record).items()):
        if key in _HANDLED_ELSEWHERE:
            continue
        if key in _RECORD_ATTRIBUTES and not isinstance(value, str):
            continue  # line numbers, times, thread and process ids: never resident data
        masked = _mask_value(value)
        if masked is not value:
            setattr(record, key, masked)


class IndividualNumberFilter(logging.Filter):
    """Masks Individual Number candidates in a record's message, extras, stack and exception text.

    Never raises and never drops a record: if masking fails, the message, extras, stack and
    exception are withheld instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            _mask_message(record)
            _mask_exception(record)
            _mask_attributes(record)
        except Exception:  # noqa: BLE001 (a filter that raises loses the log line)
            try:
                record.msg, record.args = _WITHHELD, None
                record.exc_info, record.exc_text, record.stack_info = None, None, None
                for key in [k for k in vars(record) if k not in _RECORD_ATTRIBUTES]:
                    delattr(record, key)  # extras that may not have been masked yet
            except Exception:  # noqa: BLE001, S110 (nothing more can be done; the record is still written)
                pass
        return True
