"""The pages evalkit writes: each executed notebook as self-contained HTML
(:mod:`~evalkit.reports.html.export`, with the contents of :mod:`~evalkit.reports.html.toc`)
and ``outputs/index.html`` (:mod:`~evalkit.reports.html.index`), from the Jinja2 templates in
``templates/``."""
