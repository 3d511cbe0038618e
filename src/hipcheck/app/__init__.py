"""The Streamlit app: analyse a clip, the session history, and the live webcam page.

``app.py`` at the repository root is the entry point (``streamlit run app.py``); it
calls :func:`hipcheck.app.pages.run_pages`. The page is split so each part can be
tested (see ``docs/APP.md`` for what the pages do):

- :mod:`hipcheck.app.pages`: the three pages; :mod:`hipcheck.app.logs`: quiet logging;
- :mod:`hipcheck.app.main`: the analysis page, in session order (safety screen,
  session, filming, clips and options, results, program, downloads);
- :mod:`hipcheck.app.state`: options, the per-session pose backend, the cached
  analysis, runs tied to their inputs and kept over a page reload;
- :mod:`hipcheck.app.views`: rendering of a run (results, left vs right, tables,
  plots, program, downloads) and of errors; imports ``state``, never the reverse;
- :mod:`hipcheck.app.sides`: left vs right (two clips combined per side, what a
  difference means);
- :mod:`hipcheck.app.session`: session details and the local history;
- :mod:`hipcheck.app.history_page`: the history page (trend, re-test comparison);
- :mod:`hipcheck.app.markup`: accessible HTML tables, rating badges, figures;
- :mod:`hipcheck.app.progress`: one progress bar and time estimate for a whole job;
- :mod:`hipcheck.app.live_page`: the live webcam page;
- :mod:`hipcheck.app.guide`: the camera set-up guide and other fixed page text.

Importing this package does not import Streamlit or load any model.
"""
