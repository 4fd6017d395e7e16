"""Running scenarios: replications composed, run on executors, checkpointed and compared.

One replication is composed in :mod:`jailsim.experiments.replication`; runs, comparisons,
sweeps and sensitivity analyses replicate prepared runs with the same options
(:class:`~jailsim.experiments.options.RunOptions`) anywhere (this process, local workers,
Dask) with the same bytes.
"""
