"""The dashboard's pages: each module has ``PATH``, ``NAME``, a ``layout`` function and
``register_callbacks(app, state)``; pure ``render`` functions return the callbacks' outputs."""
