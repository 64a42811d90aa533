"""JupyterHub for a Mali SSR class on one machine (JupyterHub 6.1, nbgrader 0.9).

What this sets up (docs/jupyterhub.md is the step-by-step guide):

- Login with the machine's own accounts (PAM): every student and instructor is a real Unix user, and each one's
  JupyterLab runs as that user (LocalProcessSpawner), so the file system keeps students apart.
  Native login (jupyterhub-nativeauthenticator) is the documented alternative, see LOGIN below.
- nbgrader's shared-directory exchange (`c.Exchange.root`, set for everyone in /etc/jupyter/nbgrader_config.py,
  the file `nbgrader_config.py` beside this one).
- One hub service per course: a JupyterLab running as the course's grader account in the course root, with the
  formgrader at /services/<course>/formgrader. Instructors reach it through the hub group `formgrade-<course>`;
  students enrolled with `nbgrader db student import` are put in the hub group `nbgrader-<course>`.
- The service's token has a role of its own with only the scopes nbgrader needs (no admin user's token).
- The formgrader can be framed inside JupyterLab for instructor accounts only (Content-Security-Policy
  `frame-ancestors 'self'`, nbgrader#1870); everyone else keeps JupyterHub's `frame-ancestors 'none'`.

Install it as /etc/jupyterhub/jupyterhub_config.py with the folder `instructor-config/` beside it, and start the
hub as root: `/opt/mali-ssr/bin/python -m jupyterhub -f /etc/jupyterhub/jupyterhub_config.py`.

Edit the settings block below. Each setting can also be given as an environment variable `MALI_SSR_HUB_<NAME>`
(the test suite, tests/test_jupyterhub.py, runs this very file that way, with throw-away accounts and ports).
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by JupyterHub when it reads this file)


def setting(name, default):
    """A setting from this block, unless the environment variable MALI_SSR_HUB_<name> overrides it."""
    return os.environ.get("MALI_SSR_HUB_" + name, default)


# ---------------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------------

# The course id: the `c.CourseDirectory.course_id` of the course's nbgrader_config.py (this repository: "mali-ssr").
# It names the hub service (/services/<course>/) and the hub groups formgrade-<course> and nbgrader-<course>.
COURSE_ID = setting("COURSE_ID", "mali-ssr")
# The Unix account that owns the course folder and runs the formgrader and the grading (never a person's account).
GRADER = setting("GRADER", f"grader-{COURSE_ID}")
# The course root: a copy of this repository (nbgrader_config.py, solutions/, exercises/) owned by GRADER.
COURSE_ROOT = setting("COURSE_ROOT", f"/home/{GRADER}/{COURSE_ID}")
# Hub user names (= Unix account names) of the instructors: they get the formgrader of this course.
INSTRUCTORS = [name for name in setting("INSTRUCTORS", "instructor1").split(",") if name]
# Only members of this Unix group may log in (students and instructors; `usermod -aG mali-ssr-class NAME`).
CLASS_GROUP = setting("CLASS_GROUP", "mali-ssr-class")
# The Python every single-user server and the formgrader run with. It must be readable and executable by every
# student account: a virtual environment under /opt made from Debian's /usr/bin/python3 is; a Python under
# /root (pyenv, conda in root's home, mode 700) is not, and spawns fail with "bad interpreter: Permission denied".
PYTHON = setting("PYTHON", sys.executable)
# Where the hub can reach the formgrader service (loopback only; the hub's proxy puts it at /services/<course>/).
SERVICE_PORT = int(setting("SERVICE_PORT", "9999"))
# Optional fixed token for the service (e.g. `openssl rand -hex 32`), only needed to run `nbgrader db ...` with
# the hub from outside the service's own terminals (cron, ssh). Empty: the hub makes one at each start and hands
# it to the service in $JUPYTERHUB_API_TOKEN.
SERVICE_TOKEN = setting("SERVICE_TOKEN", "")
# "pam": the machine's passwords. "native": jupyterhub-nativeauthenticator (`pip install
# jupyterhub-nativeauthenticator`): accounts sign up on the hub's page, an admin authorises them, and the Unix
# accounts of the same names must still exist (LocalProcessSpawner runs each server as that Unix user).
LOGIN = setting("LOGIN", "pam")
# Hub admins (comma-separated user names): the hub's admin page, e.g. to add hub users before enrolment.
# Instructors need not be admins. Empty: no admin.
ADMINS = {name for name in setting("ADMINS", "").split(",") if name}

HERE = os.path.dirname(os.path.abspath(__file__))
# Jupyter config read only by instructor accounts and the formgrader service (jupyter_server_config.py there).
INSTRUCTOR_CONFIG = os.path.join(HERE, "instructor-config")

# ---------------------------------------------------------------------------------------------------------------
# Network: the public side is the proxy (configurable-http-proxy). Put TLS in front of it (nginx, caddy) or set
# c.JupyterHub.ssl_key / ssl_cert: passwords go over this connection.
# ---------------------------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = setting("BIND_URL", "http://:8000")
c.JupyterHub.hub_bind_url = setting("HUB_BIND_URL", "http://127.0.0.1:8081")
# The hub's state lives here; the cookie secret and the database are created on the first start.
STATE_DIR = setting("STATE_DIR", "/srv/jupyterhub")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE_DIR, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE_DIR, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE_DIR, "jupyterhub-proxy.pid")

# ---------------------------------------------------------------------------------------------------------------
# Login
# ---------------------------------------------------------------------------------------------------------------
if LOGIN == "native":
    c.JupyterHub.authenticator_class = "native"
    c.NativeAuthenticator.open_signup = False  # an admin authorises each sign-up at /hub/authorize
    c.Authenticator.allow_all = True  # everyone the admin authorised
else:
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {CLASS_GROUP}
    c.PAMAuthenticator.open_sessions = False  # PAM sessions are unreliable under JupyterHub (its own advice)
c.Authenticator.admin_users = ADMINS

# ---------------------------------------------------------------------------------------------------------------
# Single-user servers: one JupyterLab per person, as that Unix user, in their home folder
# ---------------------------------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
# The venv's scripts first: nbgrader runs some by name (alembic), and so do terminals (jupyter, nbgrader, mali-ssr).
SERVER_PATH = os.pathsep.join([os.path.dirname(PYTHON), "/usr/local/bin", "/usr/bin", "/bin"])
c.Spawner.environment = {"PATH": SERVER_PATH}
c.Spawner.notebook_dir = "~"
# The server's own token may read the user's hub groups: nbgrader's JupyterHubAuthPlugin lists a student's
# courses from their nbgrader-<course> groups. Nothing more than that (the default is activity and access only).
c.Spawner.server_token_scopes = ["access:servers!server", "users:activity!user", "read:users:groups!user"]
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# Idle servers could be stopped with the jupyterhub-idle-culler service (pip install jupyterhub-idle-culler).


def instructor_settings(spawner):
    """Instructor accounts read instructor-config/ too: there the formgrader may be framed by JupyterLab."""
    if spawner.user.name in INSTRUCTORS:
        path = os.pathsep.join(p for p in (INSTRUCTOR_CONFIG, spawner.environment.get("JUPYTER_CONFIG_PATH")) if p)
        spawner.environment["JUPYTER_CONFIG_PATH"] = path


c.Spawner.pre_spawn_hook = instructor_settings

# ---------------------------------------------------------------------------------------------------------------
# The course: hub groups, roles and the formgrader service (repeat add_course for a second course, with its own
# grader account, course root and port)
# ---------------------------------------------------------------------------------------------------------------
c.JupyterHub.load_groups = {}
c.JupyterHub.load_roles = []
c.JupyterHub.services = []


def add_course(course_id, grader, course_root, instructors, port, token=""):
    """The formgrader of one course as a hub service, the groups that open it, and the scopes its token has."""
    # formgrade-<course>: may open the course's formgrader. nbgrader-<course>: enrolled students; filled by
    # `nbgrader db student import` (or `add`) run in the course root, NOT by the formgrader's "Manage Students"
    # page (nbgrader#1304, #1396).
    # The grader account is a member too, though it never logs in: the formgrader asks the hub for the groups of
    # the user it runs as, and a grader unknown to the hub makes every formgrader action fail (404 on /users/<grader>).
    c.JupyterHub.load_groups[f"formgrade-{course_id}"] = {"users": [*instructors, grader]}
    c.JupyterHub.load_groups[f"nbgrader-{course_id}"] = {"users": []}
    c.JupyterHub.load_roles += [
        {
            "name": f"formgrade-{course_id}",
            "description": f"Instructors of {course_id}: open its formgrader",
            "groups": [f"formgrade-{course_id}"],
            "scopes": [f"access:services!service={course_id}", "list:services", f"read:services!service={course_id}"],
        },
        {
            "name": f"nbgrader-{course_id}",
            "description": f"Students of {course_id}: see that the course exists",
            "groups": [f"nbgrader-{course_id}"],
            "scopes": ["list:services", f"read:services!service={course_id}"],
        },
        {
            # What nbgrader's JupyterHubAuthPlugin calls in the hub, as the service: read users and their groups,
            # create the nbgrader-<course> group if missing, add and remove students. Safer than an admin's token.
            "name": f"grader-{course_id}",
            "description": f"The formgrader service of {course_id}: manage its course groups",
            "services": [course_id],
            "scopes": ["read:users:groups", "list:services", "list:users", "groups", "admin:groups"],
        },
    ]
    service = {
        "name": course_id,
        "url": f"http://127.0.0.1:{port}",
        "command": [PYTHON, "-m", "jupyterhub.singleuser"],
        "user": grader,  # the hub (root) starts it as this Unix account
        "cwd": course_root,  # JupyterLab's root and the formgrader's course directory
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "JUPYTER_CONFIG_PATH": INSTRUCTOR_CONFIG,
            "PATH": SERVER_PATH,
        },
        "oauth_no_confirm": True,  # instructors are not asked to "Authorize" their own course's formgrader
    }
    if token:
        service["api_token"] = token
    c.JupyterHub.services.append(service)


add_course(COURSE_ID, GRADER, COURSE_ROOT, INSTRUCTORS, SERVICE_PORT, SERVICE_TOKEN)
