"""Where the data shipped with the harness is: the canonical corpus and the shipped scenarios.

Both live once, as plain files, in the repository (``fixtures/control-plane``
and ``fixtures/scenarios``). The build maps them into the package
(``pyproject.toml``: the data-only packages ``conformance.corpus`` and
``conformance.scenarios.shipped``), so a wheel, an sdist and anything built
from them hold real files, with no symlink a copy or an archive could drop.

:func:`shipped_dir` finds a kind of data in the first place that has it: beside
the package (a wheel or sdist install), then in the checkout the package sits
in (a source tree, an editable install). A place without a single file of the
kind is not accepted, and when neither has any the harness stops with a usage
error naming both places: an installation that lost its shipped data must
never run zero scenarios quietly.
"""

from __future__ import annotations

from pathlib import Path

from conformance.errors import UsageError

__all__ = ["ShippedDataMissing", "shipped_dir"]

PACKAGE_ROOT = Path(__file__).resolve().parent
CHECKOUT_ROOT = PACKAGE_ROOT.parent


class ShippedDataMissing(UsageError):
    """The installation holds none of the data it ships (exit 2, the places looked at in the message)."""


def shipped_dir(
    in_package: str,
    in_checkout: str,
    pattern: str,
    what: str,
    *,
    package_root: Path = PACKAGE_ROOT,
    checkout_root: Path = CHECKOUT_ROOT,
) -> Path:
    """The directory holding the shipped ``what`` (files matching ``pattern``); see the module docstring."""
    places = [package_root / in_package, checkout_root / in_checkout]
    for place in places:
        if place.is_dir() and any(place.glob(pattern)):
            return place.resolve()
    raise ShippedDataMissing(
        f"the {what} shipped with dw-conformance are missing: expected {pattern} files in "
        f"{places[0]} (an installed package) or {places[1]} (a checkout); found none. "
        "Reinstall dw-conformance (pip install --force-reinstall ...)."
    )
