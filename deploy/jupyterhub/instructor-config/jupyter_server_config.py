"""Jupyter server settings for instructor accounts and the formgrader service only (see jupyterhub_config.py).

JupyterHub >= 4.1 sends `Content-Security-Policy: frame-ancestors 'none'` from every single-user server, so the
formgrader tab that nbgrader opens inside JupyterLab stays blank (nbgrader#1870). Allowing frames from the same
origin fixes it. Students keep the hub's default: no page of theirs can be framed by another.
"""

c = get_config()  # noqa: F821  (provided by Jupyter when it reads this file)

c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
