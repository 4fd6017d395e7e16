"""The results layer: records, attribution, census, breakdowns, explanations, figures."""
