"""The jail model without its dynamics: calendars, policy periods, draws and static rules.

A scenario becomes a :class:`~jailsim.model.context.Context` (calendars, timetables, the
policy of each period) and, per replication, a :class:`~jailsim.model.population.Population`
(every random draw, sampled up front). :mod:`jailsim.model.rules` holds each static rule of
the jail once; the engines add only what depends on other people.
"""
