"""Plans per second over a varied set of presentations (goal: at least 50,000/s on one core).

Run: .venv/bin/python benchmarks/bench_plans.py
"""

from __future__ import annotations

import itertools
import time

from physio_notes import Cause, Presentation, Region, select_pathways

CAUSE_SETS: list[list[str]] = [
    [], ["unknown"], ["disc_disorder"], ["neurological"], ["tight_joint_or_muscle"],
    ["overuse_posture", "tight_joint_or_muscle"], ["sudden_movement"], ["protective_response"],
    ["overstretching", "disc_disorder"],
]
RED_FLAGS: list[list[str] | None] = [None, [], ["saddle_anaesthesia"], ["major_trauma"]]


def varied() -> list[Presentation]:
    """Every region x cause set x red-flag state x recurrence: 432 distinct presentations."""
    out = []
    for region, causes, flags, recurrent in itertools.product(
        list(Region), CAUSE_SETS, RED_FLAGS, (None, True)
    ):
        out.append(Presentation(
            region=region, causes=causes, red_flags=flags, recurrent=recurrent,
            spasm_type="secondary", duration="minutes",
            neurological_condition="stroke" if Cause.NEUROLOGICAL in causes else None,
        ))
    return out


def main() -> None:
    """Print plans per second (best of 5 rounds)."""
    cases = varied()
    select_pathways(cases[0])  # load and cache the knowledge base
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for case in cases * 20:
            select_pathways(case)
        rounds.append(len(cases) * 20 / (time.perf_counter() - start))
    print(f"select_pathways: {max(rounds):,.0f} plans/s (best of 5 rounds, "
          f"{len(cases)} distinct presentations x 20; goal >= 50,000/s)")


if __name__ == "__main__":
    main()
