"""The county budget: a run's bed-days and program costs priced day by day, with intervals.

Built on Results (and the ``costs:`` block of a scenario); written as CSV and Excel.
"""
