"""The Mali SSR course: data, charts, widgets and instructor tools.

Kept light on purpose: importing the package loads nothing from the Jupyter
stack. Use the modules directly::

    from mali_ssr import data, plots, widgets, lecture
    course = data.load()
"""

__all__ = ["__version__"]
__version__ = "0.2.0"
