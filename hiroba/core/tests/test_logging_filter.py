"""The project's logging configuration masks Individual Numbers (個人番号) in what it writes.

The test settings replace LOGGING (quiet test runs), so these tests build the console handler from the base
settings' LOGGING with the standard library's dictConfig machinery, without installing it globally (which would
close pytest's own log handlers), and log through it.
"""

from __future__ import annotations

import copy
import io
import json
import linecache
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest

from config.settings import base
from hiroba.core import logging as masking
from hiroba.core.logging import IndividualNumberFilter
from hiroba.core.mynumber import MASK, find_individual_numbers
from hiroba.core.tests.fixtures import INDIVIDUAL_NUMBER, full_width, grouped

NUMBER = INDIVIDUAL_NUMBER
WRITTEN_FORMS = [NUMBER, grouped(), grouped(separator="-"), full_width(NUMBER), full_width(grouped(separator="－"))]


def _console_handler_from_project_logging() -> logging.Handler:
    """The root logger's console handler, built from base.LOGGING the way logging.config.dictConfig builds it."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(base.LOGGING))
    config = configurator.config
    for name in config.get("formatters", {}):
        config["formatters"][name] = configurator.configure_formatter(config["formatters"][name])
    for name in config.get("filters", {}):
        config["filters"][name] = configurator.configure_filter(config["filters"][name])
    (handler_name,) = config["root"]["handlers"]
    handler: logging.Handler = configurator.configure_handler(config["handlers"][handler_name])
    return handler


@pytest.fixture
def project_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    handler = _console_handler_from_project_logging()
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    handler.setStream(output)
    logger = logging.getLogger("hiroba.tests.logging_filter")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, output
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        handler.close()


def _lines(output: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


def _assert_masked(output: io.StringIO) -> None:
    written = output.getvalue()
    assert MASK in written
    assert NUMBER not in written
    assert find_individual_numbers(written) == []
    assert find_individual_numbers(json.dumps(_lines(output), ensure_ascii=False)) == []


def test_the_project_root_handler_carries_the_filter() -> None:
    logging_config: dict[str, Any] = base.LOGGING

    assert logging_config["filters"]["individual_number"] == {"()": "hiroba.core.logging.IndividualNumberFilter"}
    for handler_name in logging_config["root"]["handlers"]:
        assert "individual_number" in logging_config["handlers"][handler_name]["filters"]
    handler = _console_handler_from_project_logging()
    assert any(isinstance(f, IndividualNumberFilter) for f in handler.filters)


@pytest.mark.parametrize("written", WRITTEN_FORMS)
def test_a_number_in_the_message_arguments_is_masked(
    project_log: tuple[logging.Logger, io.StringIO], written: str
) -> None:
    logger, output = project_log

    logger.info("resident %s", written)

    _assert_masked(output)
    assert _lines(output)[0]["message"] == f"resident {MASK}"


def test_a_number_in_extra_fields_is_masked(project_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, output = project_log

    logger.info(
        "resident updated",
        extra={"note": f"番号 {NUMBER}", "number": int(NUMBER), "nested": {"numbers": [NUMBER, "ok"]}},
    )

    _assert_masked(output)
    (line,) = _lines(output)
    assert line["note"] == f"番号 {MASK}"
    assert line["number"] == MASK
    assert line["nested"] == {"numbers": [MASK, "ok"]}


def test_a_number_in_a_logged_exception_is_masked(project_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, output = project_log

    try:
        raise ValueError(f"not a resident id: {NUMBER}")  # noqa: TRY301 (the exception is the test's input)
    except ValueError as exc:
        logger.exception("lookup failed for %s", NUMBER)
        caught = exc

    _assert_masked(output)
    (line,) = _lines(output)
    assert line["message"] == f"lookup failed for {MASK}"
    assert isinstance(line["exc_info"], str)
    assert "Traceback" in line["exc_info"]
    assert f"ValueError: not a resident id: {MASK}" in line["exc_info"]
    assert NUMBER in str(caught)  # the exception itself is left alone for the code that caught it


def test_a_number_in_stack_info_is_masked(project_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, output = project_log

    # a line of code that carries the number, so that the stack printed with the record shows it: the source is
    # given to linecache under its own file name (no file in the repository holds such a line)
    source = f'logger.info("checkpoint", stack_info=True)  # note: {NUMBER}\n'
    filename = "<line with a number>"
    linecache.cache[filename] = (len(source), None, [source], filename)
    try:
        exec(compile(source, filename, "exec"), {"logger": logger})  # noqa: S102 (a fixed line written above)
    finally:
        del linecache.cache[filename]

    _assert_masked(output)
    (line,) = _lines(output)
    assert isinstance(line["stack_info"], str)
    assert MASK in line["stack_info"]


def test_lines_without_a_number_are_written_unchanged(project_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, output = project_log

    logger.info("order %s for %s", "123456789017-X", "090-1234-5678", extra={"count": 3})

    (line,) = _lines(output)
    assert line["message"] == f"order {MASK}-X for 090-1234-5678"  # any 12-digit candidate is masked in logs
    assert line["count"] == 3


def _record(msg: object, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args or None, exc_info)


def test_standard_formatters_reuse_the_masked_exception_text() -> None:
    try:
        raise RuntimeError(NUMBER)  # noqa: TRY301 (the exception is the test's input)
    except RuntimeError as exc:
        record = _record("failed", exc=exc)

    assert IndividualNumberFilter().filter(record)

    assert NUMBER not in logging.Formatter("%(message)s").format(record)
    assert record.exc_text is not None
    assert f"RuntimeError: {MASK}" in record.exc_text


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_the_filter_never_raises_and_never_drops_a_record(monkeypatch: pytest.MonkeyPatch) -> None:
    bad_format = _record("%d residents", NUMBER)
    unprintable = _record("value %s", _Unprintable())
    unprintable.__dict__["extra"] = _Unprintable()

    assert IndividualNumberFilter().filter(bad_format)
    assert IndividualNumberFilter().filter(unprintable)
    assert NUMBER not in bad_format.getMessage()

    def broken(text: str, *, require_check_digit: bool = False) -> str:
        raise RuntimeError("masking broke")

    monkeypatch.setattr(masking, "mask_individual_numbers", broken)
    record = _record("resident %s", NUMBER)
    record.__dict__["note"] = NUMBER
    assert IndividualNumberFilter().filter(record)
    assert NUMBER not in record.getMessage()
    assert "note" not in vars(record)
