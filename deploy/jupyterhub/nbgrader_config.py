"""nbgrader settings for every account on the hub: install as /etc/jupyter/nbgrader_config.py.

Students' servers read it (their Assignments tab and `nbgrader fetch_assignment/submit`), and so does the
formgrader service, whose course root's own nbgrader_config.py (this repository's) is read after it and wins
on everything it sets.
"""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

# The shared exchange: one folder on this machine that every account can write to and nobody can list
# (`install -d -m 777 /srv/nbgrader/exchange`; nbgrader makes each course's inbound/ folder write-only for students).
# NBGRADER_EXCHANGE_ROOT overrides it (the test suite uses a throw-away exchange).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")

# The course, so that `nbgrader fetch_assignment 01_history` works without --course in a student's terminal.
c.CourseDirectory.course_id = "mali-ssr"

# Which courses a student sees and may submit to: their hub groups nbgrader-<course> (filled by
# `nbgrader db student import` in the course root, run as the grader account).
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
