"""The frame of the demo ecosystem generator (``osmose demo``).

Each app contributes a step with :func:`register_step` from its ``AppConfig.ready``; core
runs them in order with one seeded random generator, so the demo is the same on every machine.
Steps get a :class:`DemoContext` and may leave objects in ``context.shared`` for later steps.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

DEMO_SEED = 20261127


@dataclass
class DemoContext:
    rng: random.Random
    now: datetime
    shared: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print


@dataclass(order=True)
class DemoStep:
    order: int
    name: str
    run: Callable[[DemoContext], None] = field(compare=False)
    reset: Callable[[], None] | None = field(default=None, compare=False)


_steps: dict[str, DemoStep] = {}


def register_step(
    name: str,
    *,
    order: int,
    run: Callable[[DemoContext], None],
    reset: Callable[[], None] | None = None,
) -> None:
    """Add a generator step; ``reset`` deletes what the step creates (for ``demo --reset``)."""
    _steps[name] = DemoStep(order=order, name=name, run=run, reset=reset)


def steps() -> list[DemoStep]:
    return sorted(_steps.values())


def build_demo(*, seed: int = DEMO_SEED, log: Callable[[str], None] = print) -> DemoContext:
    """Run every step in order. The caller wraps this in a transaction."""
    # A fixed "now" at the start of the run: dates are relative to today, shapes are stable.
    context = DemoContext(rng=random.Random(seed), now=timezone.now(), log=log)
    for step in steps():
        step.run(context)
    return context


def reset_demo() -> None:
    """Delete the data of every step, last step first."""
    for step in reversed(steps()):
        if step.reset is not None:
            step.reset()
