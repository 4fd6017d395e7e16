"""The model layer: arrivals, calendars, policy periods, draws, history trimming, rules."""
