"""parcel-advisor: what to do about a parcel whose track code "is not tracked".

    from advisor import Advisor
    advice = Advisor().advise({"track": "RK190321410CN", "order": {"track_issued": "2026-11-19"}})
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.version import __version__
__all__ = ["Advisor", "Advice", "advise", "AdvisorError", "__version__"]

if TYPE_CHECKING:       # what type checkers see; at run time the names load on first use (below)
    from advisor.advice.build import Advice
    from advisor.api import Advisor, advise
    from advisor.base.errors import AdvisorError


def __getattr__(name: str) -> object:
    # Lazy: `advise <code>` should not pay for the engine import until it needs it.
    if name in ("Advisor", "advise"):
        from advisor import api
        return getattr(api, name)
    if name == "Advice":
        from advisor.advice.build import Advice
        return Advice
    if name == "AdvisorError":
        from advisor.base.errors import AdvisorError
        return AdvisorError
    raise AttributeError(name)
