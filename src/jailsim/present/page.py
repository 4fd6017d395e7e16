"""The page every report shares: jinja2 templates with a stylesheet a county would print.

The templates are package data, ``jailsim/present/templates/``: ``base.html`` (the head, the
stylesheet ``style.css``, a block per part of a report), ``macros.html`` (tables, figures,
notes, the sources) and one template per report, each extending ``base.html``: ``run.html``,
``comparison.html``, ``sweep.html``, ``sensitivity.html``, ``budget.html``. Every text handed to
a template is escaped (autoescape), and every float is shown with
:func:`~jailsim.present.formats.number` (a true minus sign, never an exponent).

No scripts, fonts or styles from the network: a page opens offline. Numbers never break
inside a cell; names and text wrap. Loads no plotting library, so the command line can write a
page without matplotlib.
"""

from __future__ import annotations

import functools
import numbers

import jinja2
from markupsafe import Markup, escape

from jailsim.present.formats import MINUS, MISSING, number

__all__ = ["breakable", "environment", "render"]


def _finalize(value):
    """What ``{{ value }}`` prints: floats as :func:`number`, ``None`` as a dash."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    if isinstance(value, numbers.Integral):  # seeds, years, counts of replications
        return str(value).replace("-", MINUS)
    return number(value)


def breakable(name: str) -> Markup:
    """A long name (``attributable_bed_days_pre_release``) that may wrap after its underscores."""
    return escape(name).replace("_", Markup("_<wbr>"))


@functools.cache
def environment() -> jinja2.Environment:
    """The templates of ``jailsim/present/templates``, escaped, numbers as reports show them."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jailsim.present", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["breakable"] = breakable
    return env


def render(template: str, **context) -> str:
    """The page of ``template`` (a file name in ``templates/``) filled with ``context``."""
    return environment().get_template(template).render(**context)
