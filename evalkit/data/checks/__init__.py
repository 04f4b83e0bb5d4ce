"""The checks of each kind of input file: one module per kind, sharing the cell checks of
:mod:`~evalkit.data.checks.cells`. Each ``check`` function takes the file's named cells, flags
every problem in a :class:`~evalkit.data.problems.Problems` and returns the tidy rows (or None
when anything is wrong)."""
