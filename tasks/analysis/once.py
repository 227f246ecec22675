"""Frames derived from ADaM that many tables read (the AESI events of ADAE, the hepatic
decompensation events, the deaths reconciliation): made once per input and handed to each caller
as a copy. Only for frames whose copy costs a fraction of making them: a kept result stays in
memory for the whole analysis.

An input frame or config is recognised by identity, which is sound because the analysis never
changes a frame in place (ADaM is read-only once derived) and the config is frozen; a result is
kept only while its inputs live (a weak reference drops it with them), so a later cut's frames
never meet an earlier cut's results."""
from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

import pandas as pd
from pydantic import BaseModel

P = ParamSpec("P")


def _is_object(value: Any) -> bool:
    """Inputs recognised by identity; anything else (a flag name) by value."""
    return isinstance(value, (pd.DataFrame, BaseModel))


def once_per_input(function: Callable[P, pd.DataFrame]) -> Callable[P, pd.DataFrame]:
    """`function` (positional arguments only) computed once per set of inputs."""
    made: dict[tuple, tuple[list[weakref.ref], pd.DataFrame]] = {}

    @wraps(function)
    def once(*args: P.args, **kwargs: P.kwargs) -> pd.DataFrame:
        if kwargs:
            raise TypeError(f"{function.__name__}: positional arguments only")
        key = tuple(("id", id(a)) if _is_object(a) else ("value", a) for a in args)
        kept = made.get(key)
        objects = [a for a in args if _is_object(a)]
        if kept is not None and all(r() is a for r, a in zip(kept[0], objects)):
            return kept[1].copy()
        result = function(*args, **kwargs)

        def forget(_: weakref.ref) -> None:
            made.pop(key, None)
        made[key] = ([weakref.ref(a, forget) for a in objects], result)
        return result.copy()
    return once
