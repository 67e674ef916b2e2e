"""Credential redaction: the one place every writer of files and reports goes through.

Two complementary rules, applied together:

1. **By name.** A header is a credential when its name is one of the well-known
   ones (``Authorization``, ``Proxy-Authorization``, ``Cookie``,
   ``Set-Cookie``, ``X-Api-Key``) or contains one of the fragments ``token``,
   ``secret``, ``key``, ``auth``, ``password``. A query parameter is a
   credential when its name is one of ``token``, ``access_token``,
   ``api_key``, ``key``, ``secret``, ``password``, ``signature`` (compared
   case-insensitively, ``-`` and ``_`` treated alike). Such values are replaced
   whole by :data:`REDACTED`.
2. **By value.** Every literal secret handed in (the configured bearer token)
   is replaced wherever it appears: bodies, URLs, error messages, nested
   documents. The common encodings of the secret (percent-encoded, JSON
   escaped) are replaced too, so a token that went through ``quote()`` does not
   slip through.

Design decisions:

- A secret shorter than :data:`MIN_SUBSTRING_SECRET` characters is only
  replaced where it is a whole value (a header value, a string of a document):
  replacing every occurrence of a two-letter token would shred the rest of the
  text and make reports useless, while a whole-value match still hides it.
- Structured values (:func:`redact_value`) also hide strings that *look* like
  credentials whatever the configured token is: ``Bearer <x>``, ``Basic <x>``
  become ``Bearer [REDACTED]`` (a ``[REDACTED]`` already there stays as it
  is). A client that sends a token other than the configured one must not
  leak it into a report either.
- Redaction never raises: anything that is not text is returned unchanged.
- Credentials a client sent other than the configured token (an API key
  header, a cookie, an ``access_token`` query parameter) are hidden by name
  where they sit, but may also travel into other text (a difference, a
  rendered verdict, the client's own output). :func:`credential_values`
  collects their values from a request so that a writer can add them to the
  secrets it replaces by value.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from conformance.textsafe import map_tree

__all__ = [
    "CREDENTIAL_QUERY_NAMES",
    "MIN_SUBSTRING_SECRET",
    "REDACTED",
    "credential_values",
    "is_credential_header",
    "is_credential_query_name",
    "redact_bytes",
    "redact_header_value",
    "redact_headers",
    "redact_query_string",
    "redact_text",
    "redact_url",
    "redact_value",
]

REDACTED = "[REDACTED]"
#: Secrets at least this long are replaced inside longer text; shorter ones only as whole values.
MIN_SUBSTRING_SECRET = 4

_CREDENTIAL_HEADER_NAMES = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_CREDENTIAL_HEADER_FRAGMENTS = ("token", "secret", "key", "auth", "password")
CREDENTIAL_QUERY_NAMES = frozenset(
    {"token", "access_token", "api_key", "key", "secret", "password", "signature"}
)
#: ``Bearer abc``, ``Basic abc=`` (the scheme is kept, the credential goes).
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic)\s+(?!\[REDACTED\])[^\s\"',;()<>]+", re.IGNORECASE)


def is_credential_header(name: str) -> bool:
    """True when a header of this name carries a credential."""
    lowered = name.strip().lower()
    return lowered in _CREDENTIAL_HEADER_NAMES or any(
        fragment in lowered for fragment in _CREDENTIAL_HEADER_FRAGMENTS
    )


def is_credential_query_name(name: str) -> bool:
    """True when a query parameter of this name carries a credential."""
    return name.strip().lower().replace("-", "_") in CREDENTIAL_QUERY_NAMES


def _secret_variants(secrets: Iterable[str | None]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(long secrets and their encodings, longest first; short secrets).

    A run redacts with the same few secrets tens of times per case (every
    header, text and document of its result and HAR file), so the variants of
    one set of secrets are worked out once (:func:`_variants_of`).
    """
    return _variants_of(tuple(secret for secret in secrets if secret))


@functools.lru_cache(maxsize=256)
def _variants_of(secrets: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    long_forms: set[str] = set()
    short: set[str] = set()
    for secret in secrets:
        if len(secret) < MIN_SUBSTRING_SECRET:
            short.add(secret)
            continue
        long_forms.add(secret)
        long_forms.add(quote(secret, safe=""))
        long_forms.add(quote_plus(secret, safe=""))
        long_forms.add(json.dumps(secret)[1:-1])
    return tuple(sorted(long_forms, key=len, reverse=True)), tuple(sorted(short))


def _replace_secrets(text: str, long_forms: Sequence[str], short: Sequence[str]) -> str:
    if text in short:
        return REDACTED
    for form in long_forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def credential_values(headers: Iterable[tuple[str, str]], query_string: str = "") -> list[str]:
    """The credentials of one request: values of credential headers and credential query parameters.

    For a header with an auth scheme (``Bearer abc``) both the whole value and
    the credential after the scheme are returned.
    """
    found: list[str] = []
    for name, value in headers:
        if is_credential_header(name) and value.strip():
            found.append(value.strip())
            _scheme, space, credential = value.strip().partition(" ")
            if space and credential.strip():
                found.append(credential.strip())
    for part in query_string.split("&") if query_string else []:
        name, separator, value = part.partition("=")
        if separator and value and is_credential_query_name(unquote_plus(name)):
            found.extend({value, unquote_plus(value)})
    return list(dict.fromkeys(found))


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every literal secret (and its common encodings) replaced."""
    long_forms, short = _secret_variants(secrets)
    return _replace_secrets(text, long_forms, short)


def redact_bytes(data: bytes, secrets: Iterable[str | None] = ()) -> bytes:
    """Like :func:`redact_text` for raw bodies; bytes that are not UTF-8 are matched byte-wise."""
    long_forms, short = _secret_variants(secrets)
    if not long_forms and not short:
        return data
    if data.decode("utf-8", errors="replace").strip() in short:
        return REDACTED.encode()
    for form in long_forms:
        encoded = form.encode("utf-8")
        if encoded in data:
            data = data.replace(encoded, REDACTED.encode())
    return data


def redact_header_value(name: str, value: str, secrets: Iterable[str | None] = ()) -> str:
    """The value to write for one header: fully hidden for credential headers."""
    if is_credential_header(name):
        return REDACTED
    return redact_text(value, secrets)


def redact_headers(
    headers: Iterable[tuple[str, str]], secrets: Iterable[str | None] = ()
) -> list[tuple[str, str]]:
    """Header pairs (order and case kept) with credential values hidden."""
    secret_list = list(secrets)
    return [(name, redact_header_value(name, value, secret_list)) for name, value in headers]


def redact_query_string(query: str, secrets: Iterable[str | None] = ()) -> str:
    """A raw query string with credential-looking parameter values hidden.

    Works on the raw text (no decode/re-encode round trip), so everything that
    is not a credential stays byte-for-byte as the client sent it.
    """
    if not query:
        return query
    secret_list = list(secrets)
    parts = []
    for part in query.split("&"):
        name, separator, _value = part.partition("=")
        if separator and is_credential_query_name(unquote_plus(name)):
            parts.append(f"{name}={REDACTED}")
        else:
            parts.append(redact_text(part, secret_list))
    return "&".join(parts)


def redact_url(url: str, secrets: Iterable[str | None] = ()) -> str:
    """A URL with user-info, credential query values and literal secrets hidden."""
    secret_list = list(secrets)
    base, separator, fragment = url.partition("#")
    base, question, query = base.partition("?")
    base = re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", rf"\1{REDACTED}@", base)
    result = redact_text(base, secret_list)
    if question:
        result += "?" + redact_query_string(query, secret_list)
    if separator:
        result += "#" + redact_text(fragment, secret_list)
    return result


def _redact_string(text: str, long_forms: Sequence[str], short: Sequence[str]) -> str:
    text = _replace_secrets(text, long_forms, short)
    return _AUTH_SCHEME.sub(lambda match: f"{match.group(1)} {REDACTED}", text)


def redact_value(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A copy of a JSON-like document with secrets and credential-looking strings hidden.

    Dict keys are kept (with literal secrets replaced); string values go
    through both rules of the module. Works iteratively, so deeply nested
    documents do not hit the recursion limit. Tuples become lists.
    """
    long_forms, short = _secret_variants(secrets)

    def leaf(item: Any) -> Any:
        return _redact_string(item, long_forms, short) if isinstance(item, str) else item

    def key(name: Any) -> Any:
        return _replace_secrets(name, long_forms, short) if isinstance(name, str) else name

    return map_tree(value, leaf, key)
