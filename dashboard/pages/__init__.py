"""The dashboard's pages: each module has ``PATH``, ``NAME``, a ``layout`` function and
``register_callbacks(app, state)``; pure ``render`` functions return the callbacks' outputs.
``not_found_404`` is the page of any other address (no callbacks, not in the navigation)."""
