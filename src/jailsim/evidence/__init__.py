"""Evidence: the shipped county presets against the figures their studies published.

- :mod:`~jailsim.evidence.published`: the published figures, each with its study, years,
  denominator and county preset (``scenarios/published/``);
- :mod:`~jailsim.evidence.measures`: each figure computed from simulated bookings the way its
  study computed it;
- :mod:`~jailsim.evidence.table`: the presets run and the table built, with intervals over
  replications and the inputs fitted to each study's own county;
- :mod:`~jailsim.evidence.page`: the table as text, as ``docs/evidence.md`` and its figure.

``jailsim evidence`` prints the table; ``--page docs/evidence.md`` writes the page.
"""
