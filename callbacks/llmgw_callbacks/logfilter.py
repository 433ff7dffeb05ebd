"""One concise log line per bad request.

LiteLLM 1.106.2 logs every error Bedrock answers with its full traceback (``log_llm_api_exception`` treats a
provider 4xx as unexpected), and its router adds another ERROR record with the traceback text of each fallback it
tried: kilobytes of JSON per malformed request, which buries real faults. This standard ``logging.Filter``,
installed on LiteLLM's loggers when the callbacks are loaded, keeps the records and their levels but:

* drops the traceback of a client error (a 4xx other than 429) and folds its message onto one line;
* drops the router's "Error occurred while trying to do fallbacks" record when the failure it reports is such a
  client error: the proxy's own record of the failed request says the same, once.

Server-side failures (5xx, throttling, timeouts) keep their tracebacks.
"""

from __future__ import annotations

import logging
import re

LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Proxy", "LiteLLM Router")
MAX_LINE = 600
_CLIENT_ERROR_NAMES = re.compile(
    r"\b(?:BadRequestError|AuthenticationError|PermissionDeniedError|NotFoundError|UnprocessableEntityError|"
    r"ContextWindowExceededError|UnsupportedParamsError)\b"
)
_FALLBACK_RECORD = "Error occurred while trying to do fallbacks"


def _status(exc: BaseException) -> int | None:
    for attribute in ("status_code", "code"):
        try:
            return int(str(getattr(exc, attribute)))
        except (AttributeError, TypeError, ValueError):
            continue
    return None


def is_client_error(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    status = _status(exc)
    if status is not None:
        return 400 <= status < 500 and status != 429
    return _CLIENT_ERROR_NAMES.search(type(exc).__name__) is not None


def _exception_of(record: logging.LogRecord) -> BaseException | None:
    if record.exc_info and isinstance(record.exc_info, tuple) and record.exc_info[1] is not None:
        return record.exc_info[1]
    args = record.args if isinstance(record.args, tuple) else ()
    return next((arg for arg in args if isinstance(arg, BaseException)), None)


def one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


class ConciseClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record LiteLLM formatted wrongly is left alone
            return True
        exc = _exception_of(record)
        if _FALLBACK_RECORD in message and (is_client_error(exc) or _CLIENT_ERROR_NAMES.search(message)):
            return False
        if not is_client_error(exc):
            return True
        record.msg = one_line(message)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


_FILTER = ConciseClientErrors()


def install() -> None:
    """Idempotent: on each LiteLLM logger and on the handlers they have now."""
    for name in LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
