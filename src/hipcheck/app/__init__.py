"""The Streamlit app: upload a clip, see and download the analysis.

``app.py`` at the repository root is the entry point (``streamlit run app.py``); it
calls :func:`hipcheck.app.main.run`. The page is split so each part can be tested:

- :mod:`hipcheck.app.main`: page layout and the analyse flow;
- :mod:`hipcheck.app.state`: options, the per-session pose backend, the cached analysis;
- :mod:`hipcheck.app.views`: rendering of a stored result (cards, tables, plots, video,
  program, safety) and of errors;
- :mod:`hipcheck.app.guide`: the camera set-up guide and other fixed page text.

Importing this package does not import Streamlit or load any model.
"""
