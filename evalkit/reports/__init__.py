"""What the reports show, computed in the library so the notebooks stay thin.

:mod:`~evalkit.reports.assessments` computes each place's trajectories once, for every report;
:mod:`~evalkit.reports.round`, :mod:`~evalkit.reports.trajectory` and
:mod:`~evalkit.reports.programme` compute a round report, a trajectory and the programme view;
:mod:`~evalkit.reports.questions` and :mod:`~evalkit.reports.findings` turn them into workshop
questions and comparable findings; :mod:`~evalkit.reports.summary` writes ``summary.json``;
:mod:`~evalkit.reports.display` shows results in a notebook; :mod:`~evalkit.reports.html`
exports the pages people open. The sentences themselves are in :mod:`evalkit.words`.
"""
