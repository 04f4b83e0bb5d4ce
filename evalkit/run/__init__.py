"""Running a cycle: :mod:`~evalkit.run.plan` turns places into jobs with fingerprints,
:mod:`~evalkit.run.params` checks each notebook's parameters before any kernel starts,
:mod:`~evalkit.run.runner` executes what changed in parallel and writes outputs atomically,
each kernel started by :mod:`~evalkit.run.kernel`."""

from evalkit.run.execute import KERNEL_NAME
from evalkit.run.notebooks import builtin_notebooks, notebook_path
from evalkit.run.plan import (
    BUILD_FILE,
    PROGRAMME_DIR,
    Job,
    Plan,
    Waiting,
    find_places,
    plan,
    plan_place,
)
from evalkit.run.runner import JobResult, run, run_jobs

__all__ = [
    "BUILD_FILE",
    "KERNEL_NAME",
    "PROGRAMME_DIR",
    "Job",
    "Plan",
    "Waiting",
    "JobResult",
    "find_places",
    "plan",
    "builtin_notebooks",
    "notebook_path",
    "plan_place",
    "run",
    "run_jobs",
]
