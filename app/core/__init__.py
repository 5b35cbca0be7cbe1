"""The Flask-free core the API, the workers and the beat share: errors, who is asking
(:class:`~app.core.principal.Principal`), org scoping and the strict schema base.

Nothing under ``app/core`` imports Flask (``tests/unit/test_import_graph.py``): a worker
loads it without loading the web framework.
"""
